// End to end: a test program that sweeps and explores, run as a child process. A failing
// exploration prints its minimal schedule and a replay command; running that command
// reproduces the failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "child_process.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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

// The "[run seed] N" lines of Campaign.PrintsTheSeedOfEachRun, sorted.
std::vector<std::string> RunSeeds(const std::string& output) {
  std::vector<std::string> seeds;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[run seed] ", 0) == 0) seeds.push_back(line.substr(11));
  }
  std::sort(seeds.begin(), seeds.end());
  return seeds;
}

// The runner's shard variables unset, whatever ctest's environment holds.
constexpr const char* kNoRunnerShard =
    "env -u TEST_SHARD_INDEX -u TEST_TOTAL_SHARDS -u GTEST_SHARD_INDEX -u GTEST_TOTAL_SHARDS "
    "-u TEST_SHARD_STATUS_FILE -u TEST_UNDECLARED_OUTPUTS_DIR -u FAULTLINE_EXPLORE_SHARD ";

ChildRun Campaign(const std::string& environment, const std::string& args) {
  return Shell(std::string(kNoRunnerShard) + environment + " " + EXPLORE_TEST + " " + args);
}

TEST(CampaignEndToEnd, TheRunsFlagAndItsVariableReplaceTheRunsOfEveryExplore) {
  const ChildRun flag = Campaign("", "--gtest_filter=Campaign.PrintsTheSeedOfEachRun --faultline_explore_runs=23");
  ASSERT_EQ(flag.status, 0) << flag.output;
  EXPECT_EQ(RunSeeds(flag.output).size(), 23u);
  const ChildRun variable =
      Campaign("FAULTLINE_EXPLORE_RUNS=4", "--gtest_filter=Campaign.PrintsTheSeedOfEachRun");
  ASSERT_EQ(variable.status, 0) << variable.output;
  EXPECT_EQ(RunSeeds(variable.output).size(), 4u);
}

TEST(CampaignEndToEnd, ShardsTogetherMakeExactlyTheRunsOfOneProcess) {
  const std::string test = "--gtest_filter=Campaign.PrintsTheSeedOfEachRun --faultline_explore_runs=23";
  const ChildRun whole = Campaign("", test);
  ASSERT_EQ(whole.status, 0) << whole.output;
  const std::vector<std::string> expected = RunSeeds(whole.output);
  ASSERT_EQ(expected.size(), 23u);
  std::vector<std::string> together;
  for (int shard = 0; shard < 3; ++shard) {
    const ChildRun run = Campaign("", test + " --faultline_explore_shard=" + std::to_string(shard) + "/3");
    ASSERT_EQ(run.status, 0) << run.output;
    const std::vector<std::string> seeds = RunSeeds(run.output);
    EXPECT_EQ(seeds.size(), shard < 2 ? 8u : 7u) << run.output;  // runs r with r % 3 == shard
    together.insert(together.end(), seeds.begin(), seeds.end());
  }
  std::sort(together.begin(), together.end());
  EXPECT_EQ(together, expected);
}

// The "run N failed (seed S)" of an unsharded failing exploration: N and S.
std::pair<int, std::string> FailingRun(const std::string& output) {
  const std::regex failed(R"(\[faultline\] explore: run (\d+) failed \(seed (\d+)\))");
  std::smatch match;
  if (!std::regex_search(output, match, failed)) return {0, ""};
  return {std::stoi(match[1]), match[2]};
}

TEST(CampaignEndToEnd, TheShardOwningTheFailingRunFindsTheSameFailureAndItReplaysUnsharded) {
  const std::string test = "--gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger";
  const ChildRun whole = Campaign("", test);
  ASSERT_EQ(whole.status, 1) << whole.output;
  const auto [run, seed] = FailingRun(whole.output);
  ASSERT_GT(run, 0) << whole.output;
  const int index = run - 1;
  const int owner = index % 3;
  const ChildRun shard = Campaign("", test + " --faultline_explore_shard=" + std::to_string(owner) + "/3");
  ASSERT_EQ(shard.status, 1) << shard.output;
  EXPECT_THAT(shard.output, HasSubstr("[faultline] explore: shard " + std::to_string(owner) +
                                      "/3: run index " + std::to_string(index) + " failed (the shard's run " +
                                      std::to_string(index / 3 + 1) + "; seed " + seed + ")"));
  EXPECT_THAT(shard.output, HasSubstr(std::string("[faultline] replay: --faultline_schedule=") + kMinimal));
  const std::string replay = ReplayCommand(shard.output);
  ASSERT_THAT(replay, HasSubstr(std::string("--faultline_schedule=") + kMinimal)) << shard.output;
  EXPECT_THAT(replay, Not(HasSubstr("shard")));
  const ChildRun again = Shell(replay);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr(std::string("[faultline] explore: replayed ") + kMinimal));
  // Under a schedule the shard does not apply: the one run is the replay.
  const ChildRun replayed_in_a_shard =
      Campaign("", test + " --faultline_schedule=" + kMinimal + " --faultline_explore_shard=2/3");
  EXPECT_EQ(replayed_in_a_shard.status, 1);
  EXPECT_THAT(replayed_in_a_shard.output,
              HasSubstr(std::string("[faultline] explore: replayed ") + kMinimal));
}

TEST(CampaignEndToEnd, ATimeBudgetStopsTheExplorationAndSaysSo) {
  const std::string xml = Temp("budget.xml");
  const ChildRun run = Campaign("", "--gtest_filter=Campaign.TakesTenMillisecondsARun "
                                    "--faultline_explore_for=300ms --gtest_output=xml:" + xml);
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string properties = ReadFile(xml);
  EXPECT_THAT(properties, HasSubstr("<property name=\"faultline_explore_time_budget_spent\" value=\"1\""));
  std::smatch runs;
  ASSERT_TRUE(std::regex_search(properties, runs,
                                std::regex("name=\"faultline_explore_runs\" value=\"(\\d+)\"")));
  // Each run sleeps 10ms: at most 31 runs fit in 300ms; far fewer than the test's 1000.
  EXPECT_GE(std::stoi(runs[1]), 1);
  EXPECT_LE(std::stoi(runs[1]), 31);
}

TEST(CampaignEndToEnd, AutoTakesGoogleTestsShardAndRunsEveryTestInEveryShard) {
  const std::string whole = Campaign("", "--gtest_filter=Campaign.PrintsTheSeedOfEachRun").output;
  std::vector<std::string> together;
  for (int shard = 0; shard < 2; ++shard) {
    // Without auto, GoogleTest would run each of the two tests in one shard only.
    const ChildRun run =
        Campaign("GTEST_SHARD_INDEX=" + std::to_string(shard) + " GTEST_TOTAL_SHARDS=2",
                 "--gtest_filter=Campaign.* --faultline_explore_runs=10 --faultline_explore_shard=auto");
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr("[       OK ] Campaign.PrintsTheSeedOfEachRun"));
    EXPECT_THAT(run.output, HasSubstr("[       OK ] Campaign.TakesTenMillisecondsARun"));
    const std::vector<std::string> seeds = RunSeeds(run.output);
    EXPECT_EQ(seeds.size(), 5u);
    together.insert(together.end(), seeds.begin(), seeds.end());
  }
  std::sort(together.begin(), together.end());
  EXPECT_EQ(together, RunSeeds(whole));
}

TEST(CampaignEndToEnd, WithoutTheFlagGoogleTestShardsTheTestsAsBefore) {
  int ran = 0;
  for (int shard = 0; shard < 2; ++shard) {
    const ChildRun run = Campaign("GTEST_SHARD_INDEX=" + std::to_string(shard) + " GTEST_TOTAL_SHARDS=2",
                                  "--gtest_filter=Campaign.* --faultline_explore_runs=2");
    ASSERT_EQ(run.status, 0) << run.output;
    for (std::size_t at = run.output.find("[ RUN      ] Campaign."); at != std::string::npos;
         at = run.output.find("[ RUN      ] Campaign.", at + 1)) {
      ++ran;
    }
  }
  EXPECT_EQ(ran, 2) << "each of the two tests runs in one shard";
}

TEST(CampaignEndToEnd, AutoTakesBazelsShardAndTouchesItsStatusFile) {
  const std::string status = Temp("shard_status");
  std::remove(status.c_str());
  const std::string shard1 =
      Campaign("", "--gtest_filter=Campaign.PrintsTheSeedOfEachRun --faultline_explore_shard=1/3").output;
  const ChildRun run = Campaign(
      "TEST_SHARD_INDEX=1 TEST_TOTAL_SHARDS=3 TEST_SHARD_STATUS_FILE=" + status +
          " GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3 FAULTLINE_EXPLORE_SHARD=auto",
      "--gtest_filter=Campaign.PrintsTheSeedOfEachRun");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[       OK ] Campaign.PrintsTheSeedOfEachRun"));
  EXPECT_EQ(RunSeeds(run.output), RunSeeds(shard1));
  EXPECT_EQ(RunSeeds(run.output).size(), 3u);  // runs 1, 4 and 7 of 10
  EXPECT_TRUE(std::ifstream(status).good()) << "TEST_SHARD_STATUS_FILE was not touched";
}

TEST(CampaignEndToEnd, BadCampaignValuesFailStartUpNamingTheFlagAndTheValue) {
  const std::string expected_shard =
      ": expected i/n, shard i of n with 0 <= i < n (e.g. 0/4), or auto, got \"";
  for (const std::string value : {"3/2", "x/y", "0/0", "1"}) {
    const ChildRun run = Campaign("", "--faultline_explore_shard=" + value);
    EXPECT_EQ(run.status, 1) << value;
    EXPECT_THAT(run.output, HasSubstr("faultline: --faultline_explore_shard" + expected_shard + value + "\""));
    EXPECT_THAT(run.output, Not(HasSubstr("[ RUN      ]")));
  }
  const ChildRun variable = Campaign("FAULTLINE_EXPLORE_SHARD=3/2", "");
  EXPECT_EQ(variable.status, 1);
  EXPECT_THAT(variable.output, HasSubstr("faultline: FAULTLINE_EXPLORE_SHARD" + expected_shard + "3/2\""));
  const ChildRun no_runner = Campaign("", "--faultline_explore_shard=auto");
  EXPECT_EQ(no_runner.status, 1);
  EXPECT_THAT(no_runner.output,
              HasSubstr("faultline: --faultline_explore_shard=auto: expected the test runner's shard in "
                        "TEST_SHARD_INDEX and TEST_TOTAL_SHARDS (Bazel) or GTEST_SHARD_INDEX and "
                        "GTEST_TOTAL_SHARDS, got none of them"));
  const ChildRun bad_runner = Campaign("GTEST_SHARD_INDEX=4 GTEST_TOTAL_SHARDS=2", "--faultline_explore_shard=auto");
  EXPECT_EQ(bad_runner.status, 1);
  EXPECT_THAT(bad_runner.output,
              HasSubstr("faultline: --faultline_explore_shard=auto (from GTEST_SHARD_INDEX=4, "
                        "GTEST_TOTAL_SHARDS=2)" + expected_shard + "4/2\""));
  const ChildRun runs = Campaign("", "--faultline_explore_runs=0");
  EXPECT_EQ(runs.status, 1);
  EXPECT_THAT(runs.output, HasSubstr("faultline: --faultline_explore_runs: expected a positive number "
                                     "of runs, got \"0\""));
  const ChildRun budget = Campaign("", "--faultline_explore_for=30x");
  EXPECT_EQ(budget.status, 1);
  EXPECT_THAT(budget.output, HasSubstr("faultline: --faultline_explore_for: expected a positive duration "
                                       "such as 500ms, 30s, 5min or 1h, got \"30x\" (expected a unit"));
}

TEST(CampaignEndToEnd, HelpListsTheCampaignFlags) {
  const ChildRun run = Campaign("", "--help");
  EXPECT_THAT(run.output, HasSubstr("--faultline_explore_runs=N"));
  EXPECT_THAT(run.output, HasSubstr("--faultline_explore_for=DURATION"));
  EXPECT_THAT(run.output, HasSubstr("--faultline_explore_shard=I/N|auto"));
}

TEST(CampaignEndToEnd, UnderBazelTheReportGoesToTheUndeclaredOutputs) {
  const std::string outputs = Temp("outputs");
  std::filesystem::create_directories(outputs);
  const std::string report = outputs + "/faultline-report.json";
  std::remove(report.c_str());
  const ChildRun run = Campaign("TEST_UNDECLARED_OUTPUTS_DIR=" + outputs,
                                "--gtest_filter=Campaign.PrintsTheSeedOfEachRun");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(ReadFile(report), HasSubstr("\"name\": \"Campaign.PrintsTheSeedOfEachRun\""));
}

}  // namespace
