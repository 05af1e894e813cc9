// The fixture helpers Sweep, Explore and UseVirtualClock: assertion failures inside a run are
// collected per run, and the test fails once, with the report.
#include <faultline/gtest.hpp>
#include <gtest/gtest-spi.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "planted_bugs.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Uploads 4 chunks and checks none was lost with a gtest assertion.
void UploadAndExpectNoLoss(faultline::FaultInjector& injector, bool buggy) {
  std::set<int> stored;
  auto put = injector.Wrap("Storage::Put", [&stored](int chunk) { stored.insert(chunk); });
  for (int chunk = 0; chunk < 4; ++chunk) {
    try {
      put(chunk);
    } catch (const faultline::InjectedFault&) {
      if (!buggy || chunk < 3) put(chunk);
    }
  }
  EXPECT_EQ(stored.size(), 4u) << "a chunk was lost";
}

class FixtureSweep : public faultline::FaultTest {};

TEST_F(FixtureSweep, PassesWhenEveryRunPasses) {
  const faultline::SweepResult result =
      Sweep(faultline::Exception("put-fails").Target("Storage::Put"),
            [&] { UploadAndExpectNoLoss(Injector(), false); });
  EXPECT_TRUE(result.passed());
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.runs, 6u);
}

TEST_F(FixtureSweep, AFailingRunFailsTheTestOnceWithItsScheduleAndAssertion) {
  faultline::SweepResult result;
  EXPECT_NONFATAL_FAILURE(
      result = Sweep(faultline::Exception("put-fails").Target("Storage::Put"),
                     [&] { UploadAndExpectNoLoss(Injector(), true); }),
      "[faultline] failing schedule: put-fails=Storage::Put@4");
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_THAT(result.failures[0].message, HasSubstr("a chunk was lost"));
  EXPECT_THAT(result.failures[0].message, HasSubstr("explore_test.cpp:"));
}

FAULTLINE_TEST(FixtureSweepAnnotated, SweepsTheAnnotatedRules,
               faultline::Exception("put-fails").Target("Storage::*").Probability(0.1)) {
  const faultline::SweepResult result = Sweep([&] { UploadAndExpectNoLoss(Injector(), false); });
  EXPECT_TRUE(result.passed()) << result.Report();
  EXPECT_EQ(result.targets.size(), 1u);
  EXPECT_EQ(Injector().Rules().size(), 1u) << "the annotated rule is back after the sweep";
}

// A user status type without ==.
struct Status {
  int code = 0;
};

FAULTLINE_TEST(FixtureExploreUserTypes, KeepsTheTestsCountersAndEvents,
               faultline::Expected(faultline::Return("unavailable", Status{14})
                                       .Target("Service::Call")
                                       .Probability(0.5))) {
  auto call = Injector().Wrap("Service::Call", [] { return Status{0}; });
  int unavailable = 0;
  const faultline::ExploreResult result = Explore(faultline::ExploreOptions().Runs(50), [&] {
    for (int i = 0; i < 20; ++i) unavailable += call().code == 14 ? 1 : 0;
  });
  EXPECT_FALSE(result.failed) << result.Report();
  EXPECT_GT(unavailable, 0);
  EXPECT_FAULT_TRIGGERED("unavailable");
  EXPECT_EQ(Stats().calls_per_target.at("Service::Call"), 20u);
}

FAULTLINE_TEST(FixtureExplore, ShrinksAFailureAndFailsOnceWithTheReplayFlag,
               faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
               faultline::Delay("ledger-slow", 2s).Target("Ledger::Record").Probability(0.3)) {
  UseVirtualClock();
  faultline::ExploreResult result;
  const auto wall_start = std::chrono::steady_clock::now();
  EXPECT_NONFATAL_FAILURE(
      result = Explore([&] {
        std::map<int, int> charged;
        planted::Payments payments(Injector(), charged);
        for (int order = 1; order <= 6 && !payments.locked(); ++order) payments.Pay(order, 500);
        EXPECT_FALSE(payments.locked()) << "the payment lock leaked";
      }),
      "[faultline] replay: --faultline_schedule=gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5");
  EXPECT_LT(std::chrono::steady_clock::now() - wall_start, 10s) << "delays must be virtual";
  EXPECT_TRUE(result.failed);
  EXPECT_THAT(result.message, HasSubstr("the payment lock leaked"));
}

TEST_F(FixtureSweep, AShardMakesItsRunsWithTheirUnshardedSeedsAndNamesTheFailingRunsIndex) {
  std::vector<std::uint64_t> seeds;
  Explore(faultline::ExploreOptions().Runs(6), [&] { seeds.push_back(Injector().seed()); });
  ASSERT_EQ(seeds.size(), 6u);
  // Fails in run 4 alone, which shard 1 of 3 makes second (after run 1).
  std::vector<std::uint64_t> made;
  faultline::ExploreResult result;
  EXPECT_NONFATAL_FAILURE(
      result = Explore(faultline::ExploreOptions().Runs(6).Shard(1, 3),
                       [&] {
                         made.push_back(Injector().seed());
                         EXPECT_NE(Injector().seed(), seeds[4]) << "run 4 fails";
                       }),
      "[faultline] explore: shard 1/3: run index 4 failed (the shard's run 2; seed " +
          std::to_string(seeds[4]) + ")");
  EXPECT_EQ(result.failing_run, 4u);
  EXPECT_EQ(result.runs, 2u);
  ASSERT_GE(made.size(), 2u);
  EXPECT_EQ(made[0], seeds[1]);
  EXPECT_EQ(made[1], seeds[4]);
}

TEST_F(FixtureSweep, UseVirtualClockMakesDelaysFree) {
  faultline::VirtualClock& clock = UseVirtualClock();
  EXPECT_EQ(&Injector().clock(), &clock);
  Injector().AddRule(faultline::Delay("slow", 1h).Target("sleepy"));
  const auto wall_start = std::chrono::steady_clock::now();
  Injector().CheckAndInject("sleepy");
  EXPECT_EQ(clock.Now(), 1h);
  EXPECT_LT(std::chrono::steady_clock::now() - wall_start, 10s);
}

}  // namespace
