// End to end: an exploration's failure is stored in the regressions directory, and every later
// run of the test replays it first, before exploring, until the bug is fixed; a stored file
// that no longer fits the test fails it clearly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "child_process.hpp"

namespace {

namespace fs = std::filesystem;
using faultline::testing::ChildRun;
using faultline::testing::ReadFile;
using faultline::testing::Shell;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBuggyTest = "--gtest_filter=Upload.SurvivesOneFailedPut";
constexpr const char* kStoredLine =
    R"(date=[0-9]{4}-[0-9]{2}-[0-9]{2} seed=[0-9]+ schedule=put-fails=Storage::Put@5)";

// An empty directory of its own for each test.
std::string FreshDirectory(const std::string& name) {
  const fs::path path = fs::path(::testing::TempDir()) / ("faultline_regressions_e2e_" + name);
  fs::remove_all(path);
  fs::create_directories(path);
  return path.string();
}

ChildRun Program(const std::string& directory, const std::string& args,
                 const std::string& environment = "") {
  return Shell(environment + " " + REGRESSIONS_TEST + " --faultline_regressions=" + directory +
               " " + args);
}

// The files `directory` holds.
std::vector<std::string> Files(const fs::path& directory) {
  std::vector<std::string> files;
  if (!fs::exists(directory)) return files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    files.push_back(entry.path().string());
  }
  return files;
}

int CountMatches(const std::string& text, const std::string& pattern) {
  const std::regex regex(pattern);
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), regex),
                                        std::sregex_iterator()));
}

TEST(RegressionsEndToEnd, AFoundBugIsStoredThenReplayedFirstUntilItIsFixed) {
  const std::string directory = FreshDirectory("stored");
  const ChildRun found = Program(directory, kBuggyTest);
  ASSERT_EQ(found.status, 1) << found.output;
  EXPECT_THAT(found.output, HasSubstr("[faultline] explore: run "));
  const std::vector<std::string> files = Files(directory);
  ASSERT_EQ(files.size(), 1u) << found.output;
  const std::string& file = files.front();
  EXPECT_THAT(fs::path(file).filename().string(),
              ContainsRegex("^Upload\\.SurvivesOneFailedPut-[0-9a-f]{8}\\.txt$"));
  EXPECT_THAT(found.output, HasSubstr("[faultline] regression stored: " + file + ":6"));
  const std::string stored = ReadFile(file);
  EXPECT_THAT(stored, HasSubstr("# faultline regressions of Upload.SurvivesOneFailedPut\n"));
  EXPECT_THAT(stored, HasSubstr("# Replay one alone with --faultline_schedule=<schedule>.\n"));
  EXPECT_EQ(CountMatches(stored, kStoredLine), 1) << stored;

  // The next run replays the stored case first, fails on it and explores nothing.
  const ChildRun again = Program(directory, kBuggyTest);
  ASSERT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, ContainsRegex("\\[faultline\\] regression: " + file +
                                          ":6 fails again: " + kStoredLine));
  EXPECT_THAT(again.output, HasSubstr("[faultline] explore: replayed put-fails=Storage::Put@5"));
  EXPECT_THAT(again.output, HasSubstr("chunk 4 was lost"));
  EXPECT_THAT(again.output, HasSubstr("[faultline] not explored: a stored regression fails"));
  EXPECT_THAT(again.output,
              HasSubstr("[faultline] replay: --faultline_schedule=put-fails=Storage::Put@5"));
  EXPECT_THAT(again.output, Not(HasSubstr("[faultline] explore: run ")));
  // Two failing runs, one stored case.
  EXPECT_EQ(ReadFile(file), stored);

  // Fixed: the stored case replays and passes, stays in the file, and the test passes.
  const std::string xml = directory + "/out.xml";
  const ChildRun fixed =
      Program(directory, std::string(kBuggyTest) + " --gtest_output=xml:" + xml,
              "PLANTED_BUG_FIXED=1");
  EXPECT_EQ(fixed.status, 0) << fixed.output;
  EXPECT_THAT(fixed.output, HasSubstr("[faultline] regressions: 1 stored schedule(s) from " + file +
                                      " replayed, none fails"));
  EXPECT_THAT(ReadFile(xml),
              HasSubstr("<property name=\"faultline_regressions_replayed\" value=\"1\"/>"));
  EXPECT_EQ(ReadFile(file), stored);
}

TEST(RegressionsEndToEnd, APassingExplorationStoresNothing) {
  const std::string directory = FreshDirectory("passing");
  const ChildRun run =
      Program(directory, "--gtest_filter=Upload.FixedUploaderSurvivesOneFailedPut");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(Files(directory), ::testing::IsEmpty());
  EXPECT_THAT(run.output, Not(HasSubstr("[faultline] regressions")));
}

TEST(RegressionsEndToEnd, ACorruptLineAndALineOfAGoneRuleFailTheTestNamingFileLineAndText) {
  const std::string directory = FreshDirectory("corrupt");
  ASSERT_EQ(Program(directory, kBuggyTest).status, 1);
  const std::vector<std::string> files = Files(directory);
  ASSERT_EQ(files.size(), 1u);
  const std::string& file = files.front();
  std::ofstream(file, std::ios::app)
      << "date=2026-01-02 seed=x1 schedule=put-fails=Storage::Put@1\n"
      << "# a comment, and a blank line, are skipped\n\n"
      << "date=2026-01-02 seed=7 schedule=gone=Storage::Put@1\n";

  const ChildRun run = Program(directory, kBuggyTest, "PLANTED_BUG_FIXED=1");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] regressions: 2 problem(s) in a stored regressions "
                                    "file; nothing was replayed or explored"));
  EXPECT_THAT(run.output,
              HasSubstr(file + ":7: \"date=2026-01-02 seed=x1 schedule=put-fails=Storage::Put@1\": "
                        "seed=\"x1\" is not an unsigned 64-bit integer; expected a line "
                        "\"date=YYYY-MM-DD seed=N schedule=RULE=TARGET@CALL,...\""));
  EXPECT_THAT(run.output,
              HasSubstr(file + ":10: \"date=2026-01-02 seed=7 schedule=gone=Storage::Put@1\": rule "
                        "\"gone\" is not installed in Upload.SurvivesOneFailedPut; expected one "
                        "of: put-fails"));
  EXPECT_THAT(run.output, Not(HasSubstr("[faultline] explore:")));
}

TEST(RegressionsEndToEnd, AnUnparseableScheduleNamesWhatWasExpected) {
  const std::string directory = FreshDirectory("unparseable");
  ASSERT_EQ(Program(directory, kBuggyTest).status, 1);
  const std::string file = Files(directory).front();
  std::ofstream(file, std::ios::app) << "put-fails=Storage::Put@5\n";
  const ChildRun run = Program(directory, kBuggyTest);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr(file + ":7: \"put-fails=Storage::Put@5\": expected \"date=\""));
}

TEST(RegressionsEndToEnd, TheDefaultDirectoryIsBesideTheReportElseTheWorkingDirectory) {
  const std::string directory = FreshDirectory("default");
  // An empty variable counts as not set, whatever the environment of this test says.
  const std::string program =
      std::string("FAULTLINE_REGRESSIONS= ") + REGRESSIONS_TEST + " " + kBuggyTest;
  fs::create_directories(directory + "/reports");
  const ChildRun beside =
      Shell(program + " --faultline_report=" + directory + "/reports/faultline.json");
  EXPECT_EQ(beside.status, 1) << beside.output;
  EXPECT_EQ(Files(directory + "/reports/faultline-regressions").size(), 1u) << beside.output;

  fs::create_directories(directory + "/cwd");
  const ChildRun here = Shell("cd " + directory + "/cwd && " + program);
  EXPECT_EQ(here.status, 1) << here.output;
  EXPECT_EQ(Files(directory + "/cwd/faultline-regressions").size(), 1u) << here.output;
}

TEST(RegressionsEndToEnd, NoneStoresAndReplaysNothing) {
  const std::string directory = FreshDirectory("none");
  const ChildRun run = Shell("cd " + directory + " && FAULTLINE_REGRESSIONS=none " +
                             REGRESSIONS_TEST + " " + kBuggyTest);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("[faultline] regression")));
  EXPECT_THAT(Files(directory), ::testing::IsEmpty());
}

TEST(RegressionsEndToEnd, TheFlagIsListedByHelpAndAnEmptyValueIsAnError) {
  const ChildRun help = Shell(std::string(REGRESSIONS_TEST) + " --help");
  EXPECT_THAT(help.output, HasSubstr("--faultline_regressions=DIR|none"));
  EXPECT_THAT(help.output, HasSubstr("FAULTLINE_REGRESSIONS"));
  const ChildRun empty = Shell(std::string(REGRESSIONS_TEST) + " --faultline_regressions");
  EXPECT_NE(empty.status, 0);
  EXPECT_THAT(empty.output, HasSubstr("faultline: --faultline_regressions: expected a directory, "
                                      "or none to store no regression"));
}

TEST(RegressionsEndToEnd, AWriteErrorIsPartOfTheFailure) {
  const std::string directory = FreshDirectory("unwritable");
  std::ofstream(directory + "/file") << "not a directory\n";
  const ChildRun run = Program(directory + "/file", kBuggyTest);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] faultline: cannot store a regression in \"" +
                                    directory + "/file/Upload.SurvivesOneFailedPut-"));
}

}  // namespace
