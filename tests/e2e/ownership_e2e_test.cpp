// End to end: every fault belongs to the test that owns it, whatever threads, set-ups and
// death-test children do; what the harness did not count is noted in the output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "child_process.hpp"

namespace {

using faultline::testing::ChildRun;
using faultline::testing::Shell;
using ::testing::HasSubstr;
using ::testing::Not;

ChildRun Ownership(const std::string& args) {
  return Shell(std::string(OWNERSHIP_TEST) + " " + args);
}

TEST(OwnershipEndToEnd, AThreadAFinishedTestLeftRunningGetsNoLaterRuleAndANote) {
  const ChildRun run = Ownership("--gtest_filter='Threads.LeavesAThreadRunning:"
                                 "ThreadRules.SkipThreadsOfFinishedTests'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output,
              HasSubstr("[faultline] note: rule \"leftover\" was not injected on "
                        "\"ownership.leftover\" in a thread started by test "
                        "Threads.LeavesAThreadRunning, which has ended"));
}

TEST(OwnershipEndToEnd, EventsNameTheirTestAndSharedPoolsServeEveryTest) {
  const ChildRun run = Ownership("--gtest_filter='ThreadRules.FaultTheTestsOwnThreads:Pool*'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 3 tests")) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("note:")));
}

TEST(OwnershipEndToEnd, AFaultOutsideAnyTestIsANote) {
  const ChildRun run = Ownership("--gtest_filter='SuiteSetUp.*'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[faultline] note: rule \"setup\" fired on \"ownership.setup\" "
                                    "outside any test"));
}

TEST(OwnershipEndToEnd, ADeathTestChildRunsWithTheTestsRulesAndSeed) {
  for (const char* style : {"threadsafe", "fast"}) {
    for (const char* seed : {"42", "7"}) {
      const ChildRun run = Ownership(std::string("--gtest_filter='Death*' --gtest_death_test_style=") +
                                     style + " --faultline_seed=" + seed +
                                     " '--faultline_rules=coin=ownership.coin:30%exception'");
      EXPECT_EQ(run.status, 0) << style << " " << seed << "\n" << run.output;
      EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 2 tests")) << run.output;
    }
  }
}

}  // namespace
