// End to end: faultline::posix in a Catch2 program doing real file I/O, run as a child process
// under rules on every posix target: the console and JUnit output, faultline's lines and the
// exit code stay as they would be for any failing or passing run.
#include "catch2_compat.hpp"

#include "child_process.hpp"
#include "well_formed.hpp"

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

namespace {

using Catch::Matchers::EndsWith;
using faultline::testing::Contains;
using faultline::testing::EventLines;
using faultline::testing::FailedRunStatus;
using faultline::testing::kXmlReportEnd;
using faultline::testing::ReadFile;
using faultline::testing::Shell;
using faultline::testing::XmlProblem;
using Run = faultline::testing::ChildRun;

const std::string kAll = "'--faultline-rules=all=posix.*:exception'";
const char* const kTestCases[] = {
    "posix: raw calls save or report their error", "posix: stdio calls save or report their error",
    "posix: handles opened before the test case", "posix: naive commit"};

Run Posix(const std::string& environment, const std::string& args, bool stdout_only = false) {
  return Shell(environment + " " + POSIX_TEST + " " + args, stdout_only);
}

std::string Temp(const std::string& name) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("faultline_catch2_posix_e2e_" + name)).string();
  std::remove(path.c_str());
  return path;
}

// What the test cases print under `all`: every file call failed with its default error.
void CheckStoreLines(const std::string& output) {
  CHECK_THAT(output, Contains("[store] raw.bin: open: Permission denied\n"));
  CHECK_THAT(output, Contains("[store] stdio.txt: fopen: Permission denied\n"));
  CHECK_THAT(output, Contains("[store] handle.bin write: write: Input/output error\n"
                              "[store] handle.bin fsync: fsync: Input/output error\n"
                              "[store] handle.txt fwrite: fwrite: Input/output error\n"
                              "[store] handle.txt fflush: fflush: Input/output error\n"));
}

// faultline's summary: every check of the rule fired, in each of the 4 test cases.
void CheckSummary(const std::string& output) {
  CHECK_THAT(output, Contains("[faultline] summary: global seed 42, 4 test(s)\n"));
  std::smatch row;
  REQUIRE(std::regex_search(output, row,
                            std::regex("all +posix\\.\\* +--faultline-rules +([0-9]+) +([0-9]+) "
                                       "+100% +100% +4\n")));
  CHECK(row[1] == row[2]);
}

TEST_CASE(
    "under faults on every posix call the test cases pass and the console output is complete") {
  const Run run = Posix("", kAll);
  CHECK(run.status == 0);
  CheckStoreLines(run.output);
  CHECK_THAT(run.output, Contains("All tests passed (4 assertions in 4 test cases)\n"));
  CheckSummary(run.output);
  CHECK_THAT(run.output, !Contains("replay:"));
}

TEST_CASE("a test case failing under faults on every posix call is reported in full") {
  const Run run = Posix("POSIX_E2E_STRICT=1", kAll);
  CHECK(run.status == FailedRunStatus(1));
  CheckStoreLines(run.output);
  CHECK_THAT(run.output, Contains("  REQUIRE( fd >= 0 )\nwith expansion:\n  -1 >= 0\n"));
  CHECK_THAT(run.output, Contains("test cases: 4 | 3 passed | 1 failed\n"));
  CHECK_THAT(run.output, Contains("[faultline] fault events (1):\n"
                                  "[faultline]   #1 all (exception) on posix.open call 1\n"));
  CHECK_THAT(run.output, Contains("[faultline] replay: " + std::string(POSIX_TEST) +
                                  " 'posix: naive commit' --faultline-seed=42 " + kAll + "\n"));
  CheckSummary(run.output);
}

TEST_CASE("a JUnit report written to a file under faults on every posix call is complete") {
  const std::string junit = Temp("all.xml");
  const Run run = Posix("POSIX_E2E_STRICT=1", kAll + " -r junit -o " + junit);
  CHECK(run.status == FailedRunStatus(1));
  CheckSummary(run.output);
  const std::string text = ReadFile(junit);
  CHECK(XmlProblem(text) == "");
  CHECK_THAT(text, Contains("<testsuite name=\"catch2_posix_test\" errors=\"0\" failures=\"1\""));
  for (const char* test_case : kTestCases)
    CHECK_THAT(text, Contains("name=\"" + std::string(test_case) + "\""));
  CHECK_THAT(text, Contains("REQUIRE( fd >= 0 )"));
  CHECK_THAT(text, EndsWith("</testsuites>\n"));
}

// The console and xml reporters write to their -o file while test cases run: faultline marks
// the descriptors Catch2 opened before the first test as its own, never faulted.
TEST_CASE("streaming reporters writing to a file under faults on every posix call are complete") {
  const std::string console = Temp("all.txt");
  const Run run = Posix("POSIX_E2E_STRICT=1", kAll + " -o " + console);
  CHECK(run.status == FailedRunStatus(1));
  CheckSummary(run.output);
  const std::string text = ReadFile(console);
  CHECK_THAT(text, Contains("REQUIRE( fd >= 0 )"));
  CHECK_THAT(text, Contains("test cases: 4 | 3 passed | 1 failed\n"));
  // No call the reporter made was counted as a test case's.
  CHECK_THAT(run.output, !Contains("on posix.write call"));

  const std::string xml = Temp("all-reporter.xml");
  const Run xml_run = Posix("POSIX_E2E_STRICT=1", kAll + " -r xml -o " + xml);
  CHECK(xml_run.status == FailedRunStatus(1));
  const std::string xml_text = ReadFile(xml);
  CHECK(XmlProblem(xml_text) == "");
  CHECK_THAT(xml_text, Contains("<OverallResultsCases successes=\"3\" failures=\"1\""));
  CHECK_THAT(xml_text, EndsWith(kXmlReportEnd));
}

TEST_CASE("a JUnit report on stdout under faults on every posix call is complete") {
  const Run run = Posix("POSIX_E2E_STRICT=1", kAll + " -r junit", /*stdout_only=*/true);
  CHECK(run.status == FailedRunStatus(1));
  CHECK(XmlProblem(run.output) == "");
  CHECK_THAT(run.output, Contains("failures=\"1\""));
  // The test cases' output, captured by Catch2.
  CHECK_THAT(run.output, Contains("<system-out>\n[store] raw.bin: open: Permission denied\n"));
  CHECK_THAT(run.output, !Contains("[faultline]"));
}

TEST_CASE("a path rule fails only the database's writes and the replay line carries it") {
  const std::string rule = "'--faultline-rules=disk=posix.write:errno(ENOSPC)@path(*.db)'";
  const Run run = Posix("POSIX_E2E_STRICT=1", rule);
  CHECK(run.status == FailedRunStatus(1));
  CHECK_THAT(run.output, Contains("[store] raw.bin: ok\n"));
  CHECK_THAT(run.output, Contains("  CHECK( failed == 0 )\nwith expansion:\n  40 == 0\n"));
  CHECK_THAT(run.output, Contains("[faultline] fault events (40):\n"
                                  "[faultline]   #1 disk (return) on posix.write call 1\n"));
  std::smatch replay;
  REQUIRE(std::regex_search(run.output, replay, std::regex("\\[faultline\\] replay: (.*)")));
  CHECK(replay[1] ==
        std::string(POSIX_TEST) + " 'posix: naive commit' --faultline-seed=42 " + rule);
  const Run again = Shell("POSIX_E2E_STRICT=1 " + replay[1].str());
  CHECK(again.status == FailedRunStatus(1));
  CHECK(EventLines(again.output) == EventLines(run.output));
}

}  // namespace
