// The regressions file: its name per test, its line format and how a case is stored.
#include <faultline/internal/regressions.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace faultline::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FreshFile(const std::string& name) {
  const fs::path directory = fs::path(::testing::TempDir()) / "faultline_regressions_test";
  fs::remove_all(directory / name);
  return (directory / name / "cases.txt").string();
}

TEST(RegressionFileNameTest, KeepsSafeCharactersAndAddsAStableHash) {
  EXPECT_EQ(RegressionFileName("Suite.Test"), RegressionFileName("Suite.Test"));
  EXPECT_THAT(RegressionFileName("Suite.Test"), MatchesRegex("Suite\\.Test-[0-9a-f]{8}\\.txt"));
  // The same on every platform: FNV-1a of the full name.
  EXPECT_EQ(RegressionFileName("Upload.SurvivesOneFailedPut"),
            "Upload.SurvivesOneFailedPut-f7603e38.txt");
}

TEST(RegressionFileNameTest, ReplacesUnsafeCharactersAndKeepsNamesApart) {
  const std::string name = RegressionFileName("Prefix/Suite.Test/0: a \"b\" <c>|d?*\\e");
  EXPECT_THAT(name, MatchesRegex("Prefix_Suite\\.Test_0__a__b___c__d___e-[0-9a-f]{8}\\.txt"));
  // Names that differ in replaced characters, or only in case, get different files.
  EXPECT_NE(RegressionFileName("a b"), RegressionFileName("a/b"));
  EXPECT_NE(RegressionFileName("Suite.Test"), RegressionFileName("suite.test"));
  // A reserved device name on Windows is no longer one with its hash.
  EXPECT_THAT(RegressionFileName("CON"), MatchesRegex("CON-[0-9a-f]{8}\\.txt"));
}

TEST(RegressionFileNameTest, CutsLongNames) {
  EXPECT_EQ(RegressionFileName(std::string(500, 'x')).size(), 80u + 1 + 8 + 4);
}

TEST(ParseRegressionTest, ReadsWhatRegressionLineWrites) {
  const Schedule schedule = Schedule::Parse("gw=Gateway::Charge@3,down=db\\ read@2-");
  const std::string line = RegressionLine("2026-11-26", 123, schedule);
  EXPECT_EQ(line, "date=2026-11-26 seed=123 schedule=" + schedule.ToString());
  const Regression parsed = ParseRegression(line + "\r");
  EXPECT_EQ(parsed.date, "2026-11-26");
  EXPECT_EQ(parsed.seed, 123u);
  EXPECT_EQ(parsed.schedule, schedule);
  EXPECT_EQ(parsed.text, line);
}

TEST(ParseRegressionTest, SaysWhatWasExpected) {
  const std::string expected =
      "expected a line \"date=YYYY-MM-DD seed=N schedule=RULE=TARGET@CALL,...\"";
  for (const std::string text : {"gw=Gateway::Charge@3", "date=26-11-2026 seed=1 schedule=none",
                                 "date=2026-11-26 seed=-1 schedule=none",
                                 "date=2026-11-26 seed=99999999999999999999 schedule=none",
                                 "date=2026-11-26 schedule=none", "date=2026-11-26 seed=1",
                                 "date=2026-11-26 seed=1 schedule=gw=Gateway::Charge@0"}) {
    try {
      ParseRegression(text);
      ADD_FAILURE() << "parsed: " << text;
    } catch (const std::invalid_argument& error) {
      EXPECT_THAT(error.what(), HasSubstr(expected)) << text;
    }
  }
}

TEST(LoadRegressionsTest, AMissingFileHoldsNothing) {
  const RegressionFile file = LoadRegressions(FreshFile("missing"));
  EXPECT_TRUE(file.regressions.empty());
  EXPECT_TRUE(file.problems.empty());
}

TEST(StoreRegressionTest, WritesAHeaderOnceAndTheSameScheduleOnce) {
  const std::string path = FreshFile("store");
  const Schedule first = Schedule::Parse("gw=Gateway::Charge@3");
  StoredRegression stored = StoreRegression(path, "Suite.Test", first, 7, "--faultline_schedule");
  EXPECT_EQ(stored.line, 6);
  EXPECT_TRUE(stored.added);
  EXPECT_EQ(StoreRegression(path, "Suite.Test", Schedule::Parse("gw=Gateway::Charge@4"), 7,
                            "--faultline_schedule")
                .line,
            7);
  // Stored already, under another seed too: the line it is on.
  stored = StoreRegression(path, "Suite.Test", first, 8, "--faultline_schedule");
  EXPECT_EQ(stored.line, 6);
  EXPECT_FALSE(stored.added);
  const std::string text = ReadAll(path);
  EXPECT_THAT(text, HasSubstr("# faultline regressions of Suite.Test\n"));
  EXPECT_EQ(text.find("# faultline regressions"), text.rfind("# faultline regressions"));
  const RegressionFile file = LoadRegressions(path);
  ASSERT_EQ(file.regressions.size(), 2u);
  EXPECT_EQ(file.regressions[0].line, 6);
  EXPECT_EQ(file.regressions[0].seed, 7u);
  EXPECT_EQ(file.regressions[1].schedule.ToString(), "gw=Gateway::Charge@4");
}

TEST(StoreRegressionTest, ProcessesStoringAtOnceWriteTheHeaderAndEachCaseOnce) {
  const std::string path = FreshFile("shared");
  // Each call opens the file anew, as another process would; 8 of them store 4 cases twice.
  std::vector<std::thread> shards;
  for (int i = 0; i < 8; ++i) {
    shards.emplace_back([&path, i] {
      StoreRegression(path, "Suite.Test",
                      Schedule::Parse("gw=Gateway::Charge@" + std::to_string(1 + i % 4)), 7,
                      "--faultline_schedule");
    });
  }
  for (std::thread& shard : shards) shard.join();
  const std::string text = ReadAll(path);
  EXPECT_EQ(text.find("# faultline regressions"), text.rfind("# faultline regressions"));
  const RegressionFile file = LoadRegressions(path);
  EXPECT_TRUE(file.problems.empty());
  std::set<std::string> schedules;
  for (const Regression& regression : file.regressions) {
    schedules.insert(regression.schedule.ToString());
  }
  EXPECT_EQ(file.regressions.size(), 4u);
  EXPECT_EQ(schedules.size(), 4u);
}

TEST(StoreRegressionTest, EndsALastLineEditedWithoutItsLineEnd) {
  const std::string path = FreshFile("edited");
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << "# mine\ndate=2026-01-01 seed=1 schedule=gw=Gateway::Charge@1";
  EXPECT_EQ(StoreRegression(path, "Suite.Test", Schedule::Parse("gw=Gateway::Charge@2"), 1,
                            "--faultline_schedule")
                .line,
            3);
  const RegressionFile file = LoadRegressions(path);
  EXPECT_TRUE(file.problems.empty());
  EXPECT_EQ(file.regressions.size(), 2u);
}

TEST(StoreRegressionTest, AnUnwritablePlaceIsAnErrorNamingTheFile) {
  const std::string path = FreshFile("unwritable");
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(fs::path(path).parent_path() / "plain") << "a file, not a directory\n";
  const std::string inside = (fs::path(path).parent_path() / "plain" / "cases.txt").string();
  try {
    StoreRegression(inside, "Suite.Test", Schedule(), 1, "--faultline_schedule");
    ADD_FAILURE() << "stored in " << inside;
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("faultline: cannot store a regression in \"" + inside + "\": "));
  }
}

}  // namespace
}  // namespace faultline::internal
