// End to end: faultline::posix in a gtest program doing real file I/O, and
// libfaultline_preload.so under a plain program, run as child processes. Faults on every posix
// target must leave gtest's console, XML and JSON output and faultline's summary and report
// complete; rules with path filters and probabilities fail exactly the calls they name, the same
// ones for the same seed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "well_formed.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace {

using faultline::testing::ChildRun;
using faultline::testing::EventLines;
using faultline::testing::JsonProblem;
using faultline::testing::ReadFile;
using faultline::testing::ReportEvents;
using faultline::testing::Shell;
using faultline::testing::XmlProblem;
using ::testing::ContainsRegex;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kAll = "'--faultline_rules=all=posix.*:exception'";
const std::string kDiskFull = "'--faultline_rules=disk=posix.write:errno(ENOSPC)@path(*.db)'";
const char* const kTests[] = {
    "Files.RawCallsSaveOrReportTheirError",   "Files.StdioCallsSaveOrReportTheirError",
    "Handles.DescriptorWriteSyncAndClose",    "Handles.StreamWriteFlushAndClose",
    "Store.KeepsTheJournalWhenTheDiskIsFull", "Store.NaiveCommit"};

// The program with `environment` ("NAME=value ...") and `args`.
ChildRun Posix(const std::string& environment, const std::string& args) {
  return Shell(environment + " " + POSIX_TEST + " " + args);
}

std::string Temp(const std::string& name) {
  const std::string path = ::testing::TempDir() + "faultline_posix_e2e_" + name;
  std::remove(path.c_str());
  return path;
}

std::string ReplayLine(const std::string& output) {
  std::smatch match;
  return std::regex_search(output, match, std::regex("\\[faultline\\] replay: (.*)"))
             ? match[1].str()
             : "";
}

// What every run under `all` prints: each file call failed with its target's default error,
// faultline's lines and summary intact, and gtest's totals.
void ExpectOutputUnderEveryFault(const ChildRun& run) {
  EXPECT_THAT(run.output, HasSubstr("[faultline] global seed 42\n"));
  EXPECT_THAT(run.output, HasSubstr("[store] raw.bin: open: Permission denied\n"));
  EXPECT_THAT(run.output, HasSubstr("[store] stdio.txt: fopen: Permission denied\n"));
  EXPECT_THAT(run.output, HasSubstr("[store] handle.bin write: write: Input/output error\n"
                                    "[store] handle.bin fsync: fsync: Input/output error\n"
                                    "[store] handle.bin close: close: Input/output error\n"));
  EXPECT_THAT(run.output, HasSubstr("[store] handle.txt fwrite: fwrite: Input/output error\n"
                                    "[store] handle.txt fflush: fflush: Input/output error\n"
                                    "[store] handle.txt fclose: fclose: Input/output error\n"));
  EXPECT_THAT(run.output, HasSubstr("[==========] 6 tests from 3 test suites ran."));
  EXPECT_THAT(run.output, HasSubstr("[faultline] summary: global seed 42, 6 test(s)\n"));
  // Every check fired: not one call of the program was let through.
  std::smatch row;
  ASSERT_TRUE(
      std::regex_search(run.output, row,
                        std::regex("all +posix\\.\\* +--faultline_rules +([0-9]+) +([0-9]+) "
                                   "+100% +100% +6\n")));
  EXPECT_EQ(row[1], row[2]);
  EXPECT_THAT(run.output, EndsWith("6\n")) << "the summary is the last line";
}

// The report names every test and the targets the rule failed.
void ExpectReportUnderEveryFault(const std::string& report) {
  EXPECT_EQ(JsonProblem(report), "") << report;
  EXPECT_THAT(report, HasSubstr("\"global_seed\": 42,"));
  const auto events = ReportEvents(report);
  EXPECT_EQ(events.size(), 6u);
  for (const char* test : kTests) EXPECT_EQ(events.count(test), 1u) << test;
  for (const char* target :
       {"open", "fopen", "write", "fsync", "close", "fwrite", "fflush", "fclose"}) {
    EXPECT_THAT(report, HasSubstr("\"target\": \"posix." + std::string(target) + "\""));
  }
}

// Cut short anywhere before its end, a document is no longer well-formed: the checks would see
// a truncated file.
template <class Check>
void ExpectEveryTruncationRejected(const std::string& document, Check check) {
  const std::size_t end = document.find_last_not_of(" \n");
  ASSERT_NE(end, std::string::npos);
  for (std::size_t cut = 0; cut < end; cut += 1 + cut / 16) {
    EXPECT_NE(check(document.substr(0, cut)), "") << "cut at " << cut;
  }
}

TEST(PosixEndToEnd, WithoutRulesEveryTestPasses) {
  const ChildRun run = Posix("", "");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[store] raw.bin: ok\n"));
  EXPECT_THAT(run.output, HasSubstr("[store] handle.txt fclose: ok\n"));
  EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 5 tests."));
  EXPECT_THAT(run.output, HasSubstr("[faultline] summary: global seed 42, 6 test(s)\n"));
}

TEST(PosixEndToEnd, FaultsOnEveryPosixCallLeaveGtestsXmlAndTheReportComplete) {
  const std::string xml = Temp("all.xml"), report = Temp("all-report.json");
  // Store.NaiveCommit fails: its failure is printed and recorded while the rule is in force.
  const ChildRun run = Posix("POSIX_E2E_STRICT=1",
                             kAll + " --gtest_output=xml:" + xml + " --faultline_report=" + report);
  EXPECT_EQ(run.status, 1) << run.output;
  ExpectOutputUnderEveryFault(run);
  // GoogleTest 1.18 ends a failure's message with a blank line; 1.12 does not.
  EXPECT_THAT(run.output,
              ::testing::ContainsRegex("Expected: \\(fd\\) >= \\(0\\), actual: -1 vs 0\n"
                                       "open: Permission denied\n\n?\\[faultline\\] seed: "));
  EXPECT_THAT(run.output, HasSubstr("[faultline]   #1 all (exception) on posix.open call 1\n"
                                    "[faultline] replay: "));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Store.NaiveCommit ("));
  EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 5 tests."));

  const std::string text = ReadFile(xml);
  EXPECT_EQ(XmlProblem(text), "") << text;
  EXPECT_THAT(text,
              HasSubstr("<testsuites tests=\"6\" failures=\"1\" disabled=\"0\" errors=\"0\""));
  for (const char* test : kTests) {
    const std::string name = std::string(test).substr(std::string(test).find('.') + 1);
    EXPECT_THAT(text, HasSubstr("<testcase name=\"" + name + "\"")) << test;
  }
  EXPECT_THAT(text, HasSubstr("<failure message=\""));
  // The descriptor test's write, fsync and close failed.
  EXPECT_THAT(text, HasSubstr("<property name=\"faultline_faults_all\" value=\"3\"/>"));
  EXPECT_THAT(text, EndsWith("</testsuites>\n"));
  ExpectEveryTruncationRejected(text, XmlProblem);

  ExpectReportUnderEveryFault(ReadFile(report));
  EXPECT_THAT(ReadFile(report), HasSubstr("{\"name\": \"Store.NaiveCommit\", \"seed\": "));
  EXPECT_THAT(ReadFile(report), HasSubstr(", \"failed\": true,"));
}

TEST(PosixEndToEnd, FaultsOnEveryPosixCallLeaveGtestsJsonComplete) {
  const std::string json = Temp("all.json"), report = Temp("all-report2.json");
  // Every test handles its errors: under the rule the run passes.
  const ChildRun run =
      Posix("", kAll + " --gtest_output=json:" + json + " --faultline_report=" + report);
  EXPECT_EQ(run.status, 0) << run.output;
  ExpectOutputUnderEveryFault(run);
  EXPECT_THAT(run.output, Not(HasSubstr("replay:")));

  const std::string text = ReadFile(json);
  EXPECT_EQ(JsonProblem(text), "") << text;
  EXPECT_THAT(text, HasSubstr("\"tests\": 6,\n  \"failures\": 0,"));
  for (const char* test : kTests) {
    const std::string name = std::string(test).substr(std::string(test).find('.') + 1);
    EXPECT_THAT(text, HasSubstr("\"name\": \"" + name + "\"")) << test;
  }
  EXPECT_THAT(text, HasSubstr("\"faultline_faults_all\": \"3\""));
  ExpectEveryTruncationRejected(text, JsonProblem);

  const std::string report_text = ReadFile(report);
  ExpectReportUnderEveryFault(report_text);
  ExpectEveryTruncationRejected(report_text, JsonProblem);
}

TEST(PosixEndToEnd, FailingEveryAllocationFailsEveryTestAndLeavesTheOutputComplete) {
  // gtest catches each test's std::bad_alloc and allocates to report it: a throwing operator
  // new is not faulted while its thread handles an exception, so the report is made.
  const std::string xml = Temp("oom.xml");
  const ChildRun run = Posix("", "'--faultline_rules=oom=alloc.*:exception' --gtest_output=xml:" + xml);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("std::bad_alloc"));
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] 6 tests, listed below:"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] summary: global seed 42, 6 test(s)\n"));
  const std::string text = ReadFile(xml);
  EXPECT_EQ(XmlProblem(text), "") << text;
  EXPECT_THAT(text, HasSubstr("<testsuites tests=\"6\" failures=\"6\""));
}

TEST(PosixEndToEnd, APathRuleFailsOnlyTheDatabasesWritesAndNamesItselfInTheReplay) {
  const ChildRun run =
      Posix("POSIX_E2E_STRICT=1 POSIX_E2E_DISK_FULL=1", "--gtest_filter=Store.* " + kDiskFull);
  EXPECT_EQ(run.status, 1) << run.output;
  // The test expecting ENOSPC passes: the journal is a .log, its writes are not even checked.
  EXPECT_THAT(
      run.output,
      HasSubstr("[store] journal.log: ok\n[store] store.db: write: No space left on device\n"
                "[       OK ] Store.KeepsTheJournalWhenTheDiskIsFull"));
  EXPECT_THAT(run.output,
              ContainsRegex("disk +posix.write +--faultline_rules +41 +41 +100% +100% +2\n"));
  // The naive one fails, with the rule's events and a replay line carrying the rule.
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] Store.NaiveCommit"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] fault events (40):\n"
                                    "[faultline]   #1 disk (return) on posix.write call 1\n"));
  const std::string replay = ReplayLine(run.output);
  EXPECT_EQ(replay, std::string(POSIX_TEST) +
                        " --gtest_filter=Store.NaiveCommit --faultline_seed=42 " + kDiskFull);

  const ChildRun again = Shell("POSIX_E2E_STRICT=1 " + replay);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("1 test(s)"));
  EXPECT_EQ(EventLines(again.output), EventLines(run.output));
}

TEST(PosixEndToEnd, TheSameSeedFailsTheSameCalls) {
  const std::string rule = "'--faultline_rules=flaky=posix.write:30%errno(EIO)@path(*.db)'";
  const std::string first_report = Temp("seed-1.json"), second_report = Temp("seed-2.json");
  const auto run = [&](const std::string& seed, const std::string& report) {
    return Posix("POSIX_E2E_STRICT=1", "--gtest_filter=Store.NaiveCommit " + rule +
                                           " --faultline_seed=" + seed +
                                           (report.empty() ? "" : " --faultline_report=" + report));
  };
  const ChildRun first = run("7", first_report);
  const ChildRun second = run("7", second_report);
  ASSERT_EQ(first.status, 1) << first.output;
  const std::vector<std::string> events = EventLines(first.output);
  // 30% of 40 writes: some fail, not all.
  EXPECT_GT(events.size(), 2u);
  EXPECT_LT(events.size(), 20u);
  EXPECT_EQ(EventLines(second.output), events);
  EXPECT_EQ(ReportEvents(ReadFile(second_report)), ReportEvents(ReadFile(first_report)));
  EXPECT_NE(EventLines(run("8", "").output), events);
}

// LD_PRELOAD's value. An ASan build of the library needs the ASan runtime loaded before it (the
// runtime checks at start-up): the one this driver runs with, when it is a shared library.
std::string PreloadList() {
  std::string list = PRELOAD_LIBRARY;
#if defined(__SANITIZE_ADDRESS__)
  Dl_info runtime;
  if (dladdr(reinterpret_cast<void*>(&__asan_address_is_poisoned), &runtime) != 0 &&
      runtime.dli_fname != nullptr &&
      std::string(runtime.dli_fname).find("libasan") != std::string::npos) {
    list = std::string(runtime.dli_fname) + ":" + list;
  }
#endif
  return list;
}

// The plain program under libfaultline_preload.so, with `environment`; stderr goes to `errors`.
ChildRun Preloaded(const std::string& environment, const std::string& args,
                   const std::string& errors) {
  return Shell("{ LD_PRELOAD=" + PreloadList() + " " + environment + " " + PRELOAD_TARGET + " " +
                   args + " 2>" + errors + "; }",
               /*stdout_only=*/true);
}

TEST(PosixEndToEnd, PreloadFailsAPlainProgramsWritesAsFaultlineRulesSays) {
  const std::string log = Temp("preload.log"), txt = Temp("preload.txt"),
                    errors = Temp("preload.err");
  const ChildRun run = Preloaded("FAULTLINE_RULES='disk=posix.write:errno(ENOSPC)@path(*.txt)'",
                                 log + " " + txt, errors);
  EXPECT_EQ(run.status, 1) << run.output << ReadFile(errors);
  EXPECT_EQ(run.output, log + ": saved\n" + txt + ": write: No space left on device\n");
  // Both writes count; the second, to the .txt, is the one that failed.
  EXPECT_EQ(ReadFile(errors),
            "[faultline] 1 fault(s) injected\n[faultline] #1 disk on posix.write call 2\n");
  EXPECT_EQ(ReadFile(log), "hello from preload_target\n");
  EXPECT_EQ(ReadFile(txt), "");
}

TEST(PosixEndToEnd, PreloadWithoutRulesChangesNothing) {
  const std::string txt = Temp("plain.txt"), errors = Temp("plain.err");
  const ChildRun run = Preloaded("", txt, errors);
  EXPECT_EQ(run.status, 0) << run.output << ReadFile(errors);
  EXPECT_EQ(run.output, txt + ": saved\n");
  EXPECT_EQ(ReadFile(errors), "[faultline] 0 fault(s) injected\n");
  EXPECT_EQ(ReadFile(txt), "hello from preload_target\n");
}

TEST(PosixEndToEnd, PreloadUnderFaultsOnEveryPosixCallStillPrintsItsFaults) {
  const std::string txt = Temp("all.txt"), errors = Temp("all.err");
  const ChildRun run = Preloaded("FAULTLINE_RULES='all=posix.*:exception'", txt, errors);
  EXPECT_EQ(run.status, 1) << run.output << ReadFile(errors);
  EXPECT_EQ(run.output, txt + ": open: Permission denied\n");
  EXPECT_EQ(ReadFile(errors),
            "[faultline] 1 fault(s) injected\n[faultline] #1 all on posix.open call 1\n");
}

TEST(PosixEndToEnd, PreloadReplaysTheSameFaultsForTheSameSeed) {
  std::string files;
  for (int i = 0; i < 20; ++i) files += " " + Temp("seeded" + std::to_string(i) + ".txt");
  const std::string first = Temp("seed-a.err"), second = Temp("seed-b.err"),
                    other = Temp("seed-c.err");
  const std::string rules = "FAULTLINE_RULES='flaky=posix.write:30%errno(EIO)' FAULTLINE_SEED=";
  const ChildRun a = Preloaded(rules + "3", files, first);
  const ChildRun b = Preloaded(rules + "3", files, second);
  const ChildRun c = Preloaded(rules + "4", files, other);
  EXPECT_EQ(a.status, 1) << a.output << ReadFile(first);
  EXPECT_THAT(a.output, HasSubstr("write: Input/output error"));
  EXPECT_THAT(a.output, HasSubstr(": saved\n"));
  EXPECT_EQ(b.output, a.output);
  EXPECT_EQ(ReadFile(second), ReadFile(first));
  EXPECT_NE(ReadFile(other), ReadFile(first));
}

TEST(PosixEndToEnd, PreloadRejectsBadSettingsBeforeTheProgramRuns) {
  const std::string txt = Temp("bad.txt"), errors = Temp("bad.err");
  const ChildRun rules =
      Preloaded("FAULTLINE_RULES='disk=posix.write:errno(ENOSPACE)'", txt, errors);
  EXPECT_EQ(rules.status, 2);
  EXPECT_EQ(rules.output, "");
  EXPECT_THAT(ReadFile(errors), HasSubstr("unknown error \"ENOSPACE\""));
  EXPECT_THAT(ReadFile(errors), EndsWith(" (in FAULTLINE_RULES)\n"));
  const ChildRun seed = Preloaded("FAULTLINE_SEED=x", txt, errors);
  EXPECT_EQ(seed.status, 2);
  EXPECT_EQ(seed.output, "");
  EXPECT_EQ(ReadFile(errors), "faultline: FAULTLINE_SEED: expected a number, got \"x\"\n");
}

}  // namespace
