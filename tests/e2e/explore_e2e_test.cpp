// End to end: a test program that sweeps and explores, run as a child process. A failing
// exploration prints its minimal schedule and a replay command; running that command
// reproduces the failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using faultline::testing::ChildRun;
using faultline::testing::ReadFile;
using faultline::testing::Shell;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

ChildRun Program(const std::string& args) { return Shell(std::string(EXPLORE_TEST) + " " + args); }

// The listener's replay command (the report's own "replay:" line is just the flag).
std::string ReplayCommand(const std::string& output) {
  std::istringstream in(output);
  const std::string marker = "[faultline] replay: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(marker, 0) == 0 && line.compare(marker.size(), 2, "--") != 0) {
      return line.substr(marker.size());
    }
  }
  return "";
}

std::string Temp(const std::string& name) {
  return ::testing::TempDir() + "faultline_explore_e2e_" + name;
}

constexpr const char* kMinimal = "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5";

TEST(ExploreEndToEnd, AFailingExplorationPrintsTheMinimalScheduleAndAReplayThatReproducesIt) {
  const ChildRun run = Program("--gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] explore: run "));
  EXPECT_THAT(run.output, HasSubstr(std::string("[faultline] minimal schedule (2 fault(s), ")));
  EXPECT_THAT(run.output, HasSubstr(std::string("[faultline] replay: --faultline_schedule=") + kMinimal));
  EXPECT_THAT(run.output, HasSubstr("the payment lock leaked"));
  EXPECT_THAT(run.output, HasSubstr("order 1 was charged twice"));
  const std::string replay = ReplayCommand(run.output);
  ASSERT_THAT(replay, HasSubstr(std::string("--faultline_schedule=") + kMinimal)) << run.output;

  const ChildRun again = Shell(replay);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr(std::string("[faultline] explore: replayed ") + kMinimal));
  // Replayed, the assertions report as usual, with the same messages.
  EXPECT_THAT(again.output, HasSubstr("the payment lock leaked"));
  EXPECT_THAT(again.output, HasSubstr("order 1 was charged twice"));
  EXPECT_THAT(again.output, HasSubstr("order 2 was charged twice"));
  EXPECT_THAT(again.output, Not(HasSubstr("minimal schedule")));
}

TEST(ExploreEndToEnd, TheScheduleVariableReplaysLikeTheFlag) {
  const ChildRun run = Shell(std::string("FAULTLINE_SCHEDULE=") + kMinimal + " " + EXPLORE_TEST +
                             " --gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr(std::string("[faultline] explore: replayed ") + kMinimal));
}

TEST(ExploreEndToEnd, AFailingSweepNamesTheCallThatBreaksTheTest) {
  const ChildRun run = Program("--gtest_filter=Upload.SurvivesAnyFailedPut");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] sweep: 6 run(s) over Storage::Put (5 call(s))"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] failing schedule: put-fails=Storage::Put@5"));
  EXPECT_THAT(run.output, HasSubstr("exception escaped the body: chunk 4 was lost"));
  const ChildRun again = Shell(ReplayCommand(run.output));
  EXPECT_EQ(again.status, 1);
  EXPECT_THAT(again.output, HasSubstr("chunk 4 was lost"));
}

TEST(ExploreEndToEnd, AFailingOutageSweepNamesTheOutageAndReplaysIt) {
  const ChildRun run = Program("--gtest_filter=Upload.SurvivesAnOutageOfTwoPuts");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] sweep: 2 run(s) over Storage::Put (5 call(s)), "
                                    "outages of 2 calls, stopped early, 1 failing run(s)"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] failing schedule: put-fails=Storage::Put@1-2 "
                                    "(Storage::Put fails calls 1-2)"));
  const std::string replay = ReplayCommand(run.output);
  ASSERT_THAT(replay, HasSubstr("--faultline_schedule=put-fails=Storage::Put@1-2")) << run.output;
  const ChildRun again = Shell(replay);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("[faultline] sweep: replayed "
                                      "put-fails=Storage::Put@1,put-fails=Storage::Put@2"));
  EXPECT_THAT(again.output, HasSubstr("[FAULT:put-fails] Injected fault"));
}

TEST(ExploreEndToEnd, AFailingSweepOfAGivenFaultReportsTheFailingRunsEvents) {
  const ChildRun run = Program("--gtest_filter=Upload.SurvivesAGivenFailedPut");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] failing schedule: put-fails=Storage::Put@5"));
  EXPECT_THAT(run.output, HasSubstr("[faultline] fault events (1):\n"
                                    "[faultline]   #1 put-fails (exception) on Storage::Put call 5\n"));
}

TEST(ExploreEndToEnd, AFailingExplorationReportsTheMinimalRunsEvents) {
  const ChildRun run = Program("--gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger");
  ASSERT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] fault events (2):\n"
                                    "[faultline]   #1 gw-fail (exception) on Gateway::Charge call 3\n"
                                    "[faultline]   #2 ledger-slow (delay) on Ledger::Record call 5\n"));
}

TEST(ExploreEndToEnd, SweepResultsAppearAsPropertiesAndInTheJsonReport) {
  const std::string xml = Temp("sweep.xml");
  const std::string report = Temp("sweep.json");
  const ChildRun run = Program("--gtest_filter=Upload.FixedUploaderSurvivesAnyFailedPut --gtest_output=xml:" +
                               xml + " --faultline_report=" + report);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(ReadFile(xml), HasSubstr("<property name=\"faultline_sweep_runs\" value=\"7\""));
  EXPECT_THAT(ReadFile(xml), HasSubstr("<property name=\"faultline_sweep_failures\" value=\"0\""));
  EXPECT_THAT(ReadFile(report), HasSubstr("\"exploration\": {\"faultline_sweep_runs\": \"7\", "
                                          "\"faultline_sweep_failures\": \"0\"}"));
}

TEST(ExploreEndToEnd, AMalformedScheduleFailsStartUpNamingTheColumn) {
  const ChildRun run = Program("--faultline_schedule=gw=Gateway::Charge@0");
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.output, HasSubstr("faultline: schedule:1:20: expected a call ordinal >= 1 after "
                                    "'@', got \"0\" (in --faultline_schedule)"));
  EXPECT_THAT(run.output, Not(HasSubstr("[ RUN      ]")));
}

}  // namespace
