// Sweep and Explore against services with planted bugs: the bugs must be found, shrunk to the
// faults that cause them, and replayed exactly; correct services must pass.
#include "faultline/explore.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "faultline/faultline.hpp"
#include "faultline/posix.hpp"
#include "planted_bugs.hpp"

namespace faultline {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using planted::Payments;
using planted::Uploader;

// Six payments of 500 cents; throws when an order was charged twice or the lock leaked.
void PayAndCheck(FaultInjector& injector) {
  std::map<int, int> charged;
  Payments payments(injector, charged);
  for (int order = 1; order <= 6; ++order) payments.Pay(order, 500);
  for (const auto& [order, cents] : charged) {
    if (cents != 500) {
      throw std::runtime_error("order " + std::to_string(order) + " was charged " +
                               std::to_string(cents) + " cents");
    }
  }
  if (payments.locked()) throw std::logic_error("the payment lock leaked");
}

class ExploreTest : public ::testing::Test {
 protected:
  void SetUp() override { injector_.SetClock(&clock_); }

  void InstallPaymentRules() {
    injector_.AddRule(Exception("gw-fail").Target("Gateway::Charge").Probability(0.3));
    injector_.AddRule(Delay("ledger-slow", 2s).Target("Ledger::Record").Probability(0.3));
  }

  VirtualClock clock_;
  FaultInjector injector_{2024};
};

TEST_F(ExploreTest, SweepFindsASingleFaultBugAtItsOrdinal) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).injector = &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, true).Upload(5); });
  ASSERT_EQ(result.failures.size(), 1u) << result.Report();
  EXPECT_EQ(result.failures[0].schedule.ToString(), "put-fails=Storage::Put@5");
  EXPECT_EQ(result.failures[0].message, "chunk 4 was lost");
  EXPECT_EQ(result.runs, 6u);  // the fault-free run, then calls 1 to 5
  EXPECT_FALSE(result.complete);
  EXPECT_EQ(result.Report(),
            "[faultline] sweep: 6 run(s) over Storage::Put (5 call(s)), stopped early, 1 failing run(s)\n"
            "[faultline] failing schedule: put-fails=Storage::Put@5\n"
            "[faultline] failure: chunk 4 was lost\n"
            "[faultline] replay: --faultline_schedule=put-fails=Storage::Put@5\n");
}

TEST_F(ExploreTest, ACorrectServicePassesAFullSweep) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::*")).injector = &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, false).Upload(5); });
  EXPECT_TRUE(result.passed()) << result.Report();
  EXPECT_TRUE(result.complete);
  // The fault-free run, calls 1 to 5 (each adds a retry), then call 6, which never comes.
  EXPECT_EQ(result.runs, 7u);
  EXPECT_EQ(result.targets, (std::vector<std::pair<std::string, std::uint64_t>>{{"Storage::Put", 5}}));
}

TEST_F(ExploreTest, SweepGoesPastACallTheFaultsFilterLetPass) {
  // Call 1 of "store.write" is made outside the scope the fault is limited to: it cannot
  // fault, yet the sweep must go on to call 2, which can.
  const auto write = injector_.Wrap("store.write", [] { return true; });
  SweepOptions options;
  options.Fault(Exception("io").Target("store.write").Scoped()).injector = &injector_;
  const SweepResult result = Sweep(options, [&] {
    write();
    posix::OnlyIn scope;
    write();
  });
  ASSERT_EQ(result.failures.size(), 1u) << result.Report();
  EXPECT_EQ(result.failures[0].schedule.ToString(), "io=store.write@2");
  EXPECT_EQ(result.runs, 3u);  // the fault-free run, then calls 1 and 2
}

TEST_F(ExploreTest, SweepKeepsGoingAndRespectsMaxRuns) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).KeepGoing().MaxRuns(4).injector =
      &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, false).Upload(5); });
  EXPECT_EQ(result.runs, 4u);
  EXPECT_FALSE(result.complete);
}

TEST_F(ExploreTest, EachFailingRunKeepsItsOwnEvents) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).KeepGoing().injector = &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, true).Upload(5); });
  ASSERT_FALSE(result.passed()) << result.Report();
  for (const RunFailure& failure : result.failures) {
    EXPECT_EQ(Schedule::FromEvents(failure.events), failure.schedule);
  }
  EXPECT_TRUE(injector_.Events().empty()) << "the injector's rules differ from the sweep's";
}

TEST_F(ExploreTest, SweepUsesTheInstalledRulesAndRestoresThem) {
  injector_.AddRule(Exception("put-fails").Target("Storage::Put").Probability(0.01));
  injector_.SetSeed(99);
  SweepOptions options;
  options.injector = &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, true).Upload(3); });
  ASSERT_FALSE(result.passed());
  EXPECT_EQ(result.failures[0].schedule.ToString(), "put-fails=Storage::Put@3");
  ASSERT_EQ(injector_.Rules().size(), 1u);
  EXPECT_EQ(injector_.Rules()[0].probability(), 0.01);
  EXPECT_EQ(injector_.seed(), 99u);
  EXPECT_FALSE(injector_.replaying());
  EXPECT_EQ(Schedule::FromEvents(injector_.Events()).ToString(), "put-fails=Storage::Put@3")
      << "the last run's events stay";
}

TEST_F(ExploreTest, APairSweepFindsTheTwoFaultBug) {
  SweepOptions options;
  options.Fault(Exception("gw-fail").Target("Gateway::Charge"))
      .Fault(Delay("ledger-slow", 2s).Target("Ledger::Record"))
      .injector = &injector_;
  EXPECT_TRUE(Sweep(options, [&] { PayAndCheck(injector_); }).passed()) << "one fault is harmless";
  const SweepResult result = Sweep(options.Pairs(), [&] { PayAndCheck(injector_); });
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].schedule.ToString(),
            "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5");
}

TEST_F(ExploreTest, ARecoveringOutageSweepFindsWhatOneRetryCannotSurvive) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).injector = &injector_;
  EXPECT_TRUE(Sweep(options, [&] { Uploader(injector_, false).Upload(5); }).passed())
      << "one failed call is retried";
  const SweepResult result =
      Sweep(options.Outage(2), [&] { Uploader(injector_, false).Upload(5); });
  ASSERT_EQ(result.failures.size(), 1u) << result.Report();
  EXPECT_EQ(result.failures[0].schedule.ToString(), "put-fails=Storage::Put@1-2");
  EXPECT_EQ(result.Report(),
            "[faultline] sweep: 2 run(s) over Storage::Put (5 call(s)), outages of 2 calls, "
            "stopped early, 1 failing run(s)\n"
            "[faultline] failing schedule: put-fails=Storage::Put@1-2 (Storage::Put fails calls "
            "1-2)\n"
            "[faultline] failure: [FAULT:put-fails] Injected fault\n"
            "[faultline] replay: --faultline_schedule=put-fails=Storage::Put@1-2\n");
}

TEST_F(ExploreTest, APersistentOutageSweepFailsEveryCallFromKOn) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).Persistent().KeepGoing().injector =
      &injector_;
  const SweepResult result = Sweep(options, [&] { Uploader(injector_, false).Upload(5); });
  EXPECT_TRUE(result.complete);
  // The fault-free run, outages from calls 1 to 5, then from call 6, which never comes.
  EXPECT_EQ(result.runs, 7u);
  ASSERT_EQ(result.failures.size(), 5u) << result.Report();
  EXPECT_EQ(result.failures[2].schedule.ToString(), "put-fails=Storage::Put@3-");
  // Chunk 2 is put on call 3 and retried on call 4, whose fault escapes the upload.
  EXPECT_EQ(result.failures[2].message, "[FAULT:put-fails] Injected fault");
  EXPECT_EQ(Schedule::FromEvents(result.failures[2].events).ToString(),
            "put-fails=Storage::Put@3,put-fails=Storage::Put@4");
  EXPECT_THAT(result.Report(), HasSubstr(", persistent outages, complete, 5 failing run(s)\n"));
  EXPECT_THAT(result.Report(),
              HasSubstr("[faultline] failing schedule: put-fails=Storage::Put@3- (Storage::Put "
                        "fails from call 3 on)\n"));
  EXPECT_THAT(result.Report(),
              HasSubstr("[faultline] replay: --faultline_schedule=put-fails=Storage::Put@1-\n"));
}

TEST_F(ExploreTest, AnOutageReplaysFromItsReportLine) {
  SweepOptions options;
  options.Fault(Exception("put-fails").Target("Storage::Put")).Outage(3).injector = &injector_;
  const SweepResult found = Sweep(options, [&] { Uploader(injector_, false).Upload(4); });
  ASSERT_EQ(found.failures.size(), 1u) << found.Report();
  const std::string line = found.failures[0].schedule.ToString();
  EXPECT_EQ(line, "put-fails=Storage::Put@1-3");
  options.replay = Schedule::Parse(line);
  const SweepResult replayed = Sweep(options, [&] { Uploader(injector_, false).Upload(4); });
  EXPECT_EQ(replayed.runs, 1u);
  ASSERT_EQ(replayed.failures.size(), 1u);
  EXPECT_EQ(replayed.failures[0].message, found.failures[0].message);
  EXPECT_EQ(replayed.failures[0].events.size(), found.failures[0].events.size());
  ASSERT_TRUE(replayed.replayed.has_value());
  EXPECT_EQ(replayed.replayed->ToString(), "put-fails=Storage::Put@1,put-fails=Storage::Put@2");

  // Explore replays an outage the same way.
  injector_.AddRule(Exception("put-fails").Target("Storage::Put").Probability(0));
  ExploreOptions explore;
  explore.injector = &injector_;
  explore.replay = Schedule::Parse("put-fails=Storage::Put@2-");
  const ExploreResult explored = Explore(explore, [&] { Uploader(injector_, false).Upload(4); });
  EXPECT_TRUE(explored.failed);
  EXPECT_EQ(Schedule::FromEvents(explored.minimal_events).ToString(),
            "put-fails=Storage::Put@2,put-fails=Storage::Put@3");
}

TEST_F(ExploreTest, BadOutagesAreRefusedNamingTheValue) {
  try {
    SweepOptions().Outage(0);
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "faultline: SweepOptions::Outage: an outage lasts at least 1 call, got 0");
  }
  SweepOptions options;
  options.Fault(Exception("x").Target("t")).injector = &injector_;
  options.outage_calls = 0;
  EXPECT_THAT([&] { Sweep(options, [] {}); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("outage_calls must be at least 1")));
  options.Outage(2).Pairs();
  EXPECT_THAT([&] { Sweep(options, [] {}); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  HasSubstr("an outage sweep places one outage per run: expected faults_per_run 1 "
                            "with Outage() or Persistent(), got 2")));
}

TEST_F(ExploreTest, SweepWithoutAnythingToSweepThrows) {
  SweepOptions options;
  options.injector = &injector_;
  EXPECT_THROW(Sweep(options, [] {}), std::invalid_argument);
  options.Fault(Exception("x")).faults_per_run = 3;
  EXPECT_THROW(Sweep(options, [] {}), std::invalid_argument);
}

TEST_F(ExploreTest, ExploreFindsTheTwoFaultBugAndShrinksItToExactlyThoseFaults) {
  InstallPaymentRules();
  ExploreOptions options;
  options.Runs(200).injector = &injector_;
  const ExploreResult result = Explore(options, [&] { PayAndCheck(injector_); });
  ASSERT_TRUE(result.failed);
  EXPECT_FALSE(result.flaky);
  EXPECT_GT(result.original.schedule.size(), 2u) << result.Report();
  EXPECT_EQ(result.minimal.ToString(), "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5")
      << result.Report();
  EXPECT_EQ(result.ReplayFlag(),
            "--faultline_schedule=gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5");
  EXPECT_THAT(result.Report(), HasSubstr("[faultline] replay: " + result.ReplayFlag()));
  EXPECT_EQ(Schedule::FromEvents(injector_.Events()), result.minimal)
      << "the injector is left with the minimal failing run";
  EXPECT_EQ(Schedule::FromEvents(result.minimal_events), result.minimal);
  EXPECT_EQ(Schedule::FromEvents(result.original.events), result.original.schedule);
  std::printf("%s", result.Report().c_str());
}

TEST_F(ExploreTest, TheMinimalScheduleReplaysTheFailureExactly) {
  InstallPaymentRules();
  ExploreOptions options;
  options.Runs(200).injector = &injector_;
  const ExploreResult result = Explore(options, [&] { PayAndCheck(injector_); });
  ASSERT_TRUE(result.failed);
  for (int replay = 0; replay < 3; ++replay) {
    injector_.Reset();
    InstallPaymentRules();
    injector_.Replay(result.minimal);
    EXPECT_EQ(RunCatchingExceptions([&] { PayAndCheck(injector_); }), result.message);
    EXPECT_EQ(Schedule::FromEvents(injector_.Events()), result.minimal);
  }
  options.replay = result.minimal;
  const ExploreResult replayed = Explore(options, [&] { PayAndCheck(injector_); });
  EXPECT_EQ(replayed.runs, 1u);
  EXPECT_TRUE(replayed.failed);
  EXPECT_EQ(replayed.message, result.message);
}

TEST_F(ExploreTest, ExploringACorrectServiceFindsNothingAndRestoresTheInjector) {
  // One fault per run at most: the uploader retries once, so two can defeat it.
  injector_.AddRule(Exception("put-fails").Target("Storage::Put").Probability(0.2).MaxTriggers(1));
  ExploreOptions options;
  options.Runs(50).injector = &injector_;
  const ExploreResult result = Explore(options, [&] { Uploader(injector_, false).Upload(2); });
  EXPECT_FALSE(result.failed) << result.Report();
  EXPECT_EQ(result.runs, 50u);
  EXPECT_EQ(result.Report(), "[faultline] explore: 50 run(s), none failed\n");
  EXPECT_EQ(injector_.seed(), 2024u);
  EXPECT_EQ(injector_.Rules().size(), 1u);
}

// A result type without ==, as many user status types are.
struct Status {
  int code = 0;
};

TEST_F(ExploreTest, ExploreKeepsTheLastRunsCountersWhateverTheRulesCompareAs) {
  injector_.AddRule(Return("unavailable", Status{14}).Target("Service::Call").Probability(0.5));
  auto call = injector_.Wrap("Service::Call", [] { return Status{0}; });
  ExploreOptions options;
  options.Runs(20).injector = &injector_;
  int failures = 0;
  const ExploreResult result = Explore(options, [&] {
    for (int i = 0; i < 10; ++i) failures += call().code == 14 ? 1 : 0;
  });
  EXPECT_FALSE(result.failed) << result.Report();
  EXPECT_GT(failures, 0);
  const HarnessStats stats = injector_.Stats();
  EXPECT_EQ(stats.calls_per_target.at("Service::Call"), 10u);
  EXPECT_GT(stats.faults_per_rule.at("unavailable"), 0u);
  EXPECT_FALSE(stats.events.empty());
  ASSERT_EQ(injector_.Rules().size(), 1u);
  EXPECT_EQ(injector_.Rules()[0].name(), "unavailable");
}

TEST_F(ExploreTest, ASweepOfOtherFaultsRestoresTheInstalledRulesAndKeepsItsLastRun) {
  injector_.AddRule(Return("unavailable", Status{14}).Target("Service::Call").Probability(0));
  auto call = injector_.Wrap("Service::Call", [] { return Status{0}; });
  SweepOptions options;
  options.Fault(Return("swept", Status{5}).Target("Service::Call")).injector = &injector_;
  const SweepResult result = Sweep(options, [&] {
    for (int i = 0; i < 3; ++i) call();
  });
  EXPECT_TRUE(result.passed()) << result.Report();
  ASSERT_EQ(injector_.Rules().size(), 1u);
  EXPECT_EQ(injector_.Rules()[0].name(), "unavailable");
  // The last run placed its fault past the calls made: counted, nothing injected.
  const HarnessStats stats = injector_.Stats();
  EXPECT_EQ(stats.calls_per_target.at("Service::Call"), 3u);
  ASSERT_EQ(stats.rules.size(), 2u);
  EXPECT_EQ(stats.rules[0].name, "swept");
  EXPECT_EQ(stats.rules[0].checks, 3u);
  EXPECT_EQ(stats.rules[1].name, "unavailable");
}

TEST_F(ExploreTest, AFailureThatDoesNotReplayIsReportedFlaky) {
  injector_.AddRule(Exception("never").Target("t").Probability(0));
  int runs = 0;
  ExploreOptions options;
  options.injector = &injector_;
  const ExploreResult result = Explore(options, [&] {
    if (++runs == 1) throw std::runtime_error("only the first time");
  });
  ASSERT_TRUE(result.failed);
  EXPECT_TRUE(result.flaky);
  EXPECT_EQ(result.shrink_runs, 1u);
  EXPECT_EQ(result.message, "only the first time");
  EXPECT_EQ(Schedule::FromEvents(result.minimal_events), result.original.schedule);
  EXPECT_THAT(result.Report(), HasSubstr("[faultline] flaky: replaying that schedule passed"));
  EXPECT_THAT(result.Report(), Not(HasSubstr("replay: --faultline_schedule")));
}

TEST_F(ExploreTest, ShrinkingANondeterministicBodyTerminates) {
  injector_.AddRule(Exception("boom").Target("t").Probability(0.5));
  std::mt19937 coin(7);
  ExploreOptions options;
  options.MaxShrinkRuns(40).injector = &injector_;
  const ExploreResult result = Explore(options, [&] {
    int caught = 0;
    for (int i = 0; i < 30; ++i) {
      try {
        injector_.CheckAndInject("t");
      } catch (const InjectedFault&) {
        ++caught;
      }
    }
    if (caught > 0 && coin() % 2 == 0) throw std::runtime_error("coin says no");
  });
  ASSERT_TRUE(result.failed);
  EXPECT_LE(result.shrink_runs, 41u);  // the budget, plus one replay of the minimal schedule
  EXPECT_LE(result.minimal.size(), result.original.schedule.size());
}

TEST_F(ExploreTest, ARunnerCanReportFailuresWithoutExceptions) {
  std::vector<std::string> soft_failures;
  injector_.AddRule(Exception("put-fails").Target("Storage::Put"));
  SweepOptions options;
  options.injector = &injector_;
  options.runner = [&](const std::function<void()>& body) -> std::optional<std::string> {
    soft_failures.clear();
    if (auto thrown = RunCatchingExceptions(body)) return thrown;
    if (soft_failures.empty()) return std::nullopt;
    return soft_failures.front();
  };
  const SweepResult result = Sweep(options, [&] {
    auto put = injector_.Wrap("Storage::Put", [] {});
    for (int i = 0; i < 4; ++i) {
      try {
        put();
      } catch (const InjectedFault&) {
        if (i == 2) soft_failures.push_back("third put failed");
      }
    }
  });
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].message, "third put failed");
  EXPECT_EQ(result.failures[0].schedule.ToString(), "put-fails=Storage::Put@3");
}

// The seeds of the runs one exploration makes, with `options` on a body that never fails.
std::vector<std::uint64_t> SeedsOfRuns(FaultInjector& injector, ExploreOptions options) {
  std::vector<std::uint64_t> seeds;
  options.injector = &injector;
  Explore(options, [&] { seeds.push_back(injector.seed()); });
  return seeds;
}

TEST_F(ExploreTest, ShardsTogetherMakeExactlyTheRunsOfTheUnshardedCampaign) {
  const std::vector<std::uint64_t> unsharded = SeedsOfRuns(injector_, ExploreOptions().Runs(23));
  ASSERT_EQ(std::set<std::uint64_t>(unsharded.begin(), unsharded.end()).size(), 23u);
  std::multiset<std::uint64_t> together;
  for (std::uint64_t shard = 0; shard < 4; ++shard) {
    const std::vector<std::uint64_t> seeds =
        SeedsOfRuns(injector_, ExploreOptions().Runs(23).Shard(shard, 4));
    // Shard i makes runs i, i + 4, ...: 6, 6, 6 and 5 of the 23, each with its unsharded seed.
    ASSERT_EQ(seeds.size(), shard < 3 ? 6u : 5u);
    for (std::size_t k = 0; k < seeds.size(); ++k) EXPECT_EQ(seeds[k], unsharded[shard + 4 * k]);
    together.insert(seeds.begin(), seeds.end());
  }
  EXPECT_EQ(together, std::multiset<std::uint64_t>(unsharded.begin(), unsharded.end()));
}

TEST_F(ExploreTest, TheShardOwningTheFailingRunFindsItWithTheSameSeedAndMinimalSchedule) {
  InstallPaymentRules();
  ExploreOptions options;
  options.Runs(200).injector = &injector_;
  const ExploreResult unsharded = Explore(options, [&] { PayAndCheck(injector_); });
  ASSERT_TRUE(unsharded.failed);
  EXPECT_EQ(unsharded.failing_run + 1, unsharded.runs);
  constexpr std::uint64_t kShards = 3;
  for (std::uint64_t shard = 0; shard < kShards; ++shard) {
    const ExploreResult result =
        Explore(ExploreOptions(options).Shard(shard, kShards), [&] { PayAndCheck(injector_); });
    if (shard != unsharded.failing_run % kShards) {
      // Every run before the failing one passed unsharded: another shard fails later, if at all.
      if (result.failed) {
        EXPECT_GT(result.failing_run, unsharded.failing_run);
      }
      continue;
    }
    ASSERT_TRUE(result.failed) << result.Report();
    EXPECT_EQ(result.failing_run, unsharded.failing_run);
    EXPECT_EQ(result.runs, unsharded.failing_run / kShards + 1);
    EXPECT_EQ(result.original.seed, unsharded.original.seed);
    EXPECT_EQ(result.original.schedule, unsharded.original.schedule);
    EXPECT_EQ(result.minimal, unsharded.minimal);
    EXPECT_EQ(result.ReplayFlag(), unsharded.ReplayFlag()) << "a shard's failure replays unsharded";
    EXPECT_THAT(result.Report(),
                HasSubstr("[faultline] explore: shard " + std::to_string(shard) + "/3: run index " +
                          std::to_string(unsharded.failing_run) + " failed (the shard's run " +
                          std::to_string(result.runs) + "; seed " +
                          std::to_string(unsharded.original.seed) + ")"));
  }
}

TEST_F(ExploreTest, ATimeBudgetStopsWithinOneRunOfItsLimit) {
  constexpr auto kRun = 20ms;
  constexpr auto kBudget = 200ms;
  ExploreOptions options = ExploreOptions().Runs(ExploreOptions::kNoRunLimit).For(kBudget);
  options.injector = &injector_;
  const auto start = std::chrono::steady_clock::now();
  const ExploreResult result = Explore(options, [&] { std::this_thread::sleep_for(kRun); });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(result.failed);
  EXPECT_TRUE(result.time_budget_spent);
  EXPECT_GE(elapsed, kBudget);
  // Each run takes at least kRun, and none starts after the budget: at most one run past it.
  // The second bound is generous for a loaded machine: this is behaviour, not a benchmark.
  EXPECT_LE(result.runs, std::uint64_t(kBudget / kRun) + 1);
  EXPECT_LT(elapsed, kBudget + kRun + 2s);
  EXPECT_EQ(result.Report(), "[faultline] explore: " + std::to_string(result.runs) +
                                 " run(s), none failed; the time budget stopped it\n");
}

TEST_F(ExploreTest, WithRunsAndABudgetWhicheverEndsFirstStops) {
  ExploreOptions options = ExploreOptions().Runs(3).For(1h);
  options.injector = &injector_;
  const ExploreResult result = Explore(options, [] {});
  EXPECT_EQ(result.runs, 3u);
  EXPECT_FALSE(result.time_budget_spent);
}

TEST_F(ExploreTest, BadShardsAndBudgetsAreRefusedNamingTheValue) {
  EXPECT_THAT([] { ExploreOptions().Shard(3, 2); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: ExploreOptions::Shard: expected a shard index below the shard "
                  "count, got 3 of 2"));
  EXPECT_THROW(ExploreOptions().Shard(0, 0), std::invalid_argument);
  EXPECT_THAT([] { ExploreOptions().For(0ms); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  "faultline: ExploreOptions::For: expected a positive time budget, got 0s"));
  ExploreOptions options;
  options.shard_index = 2;
  options.shard_count = 2;
  options.injector = &injector_;
  EXPECT_THROW(Explore(options, [] {}), std::invalid_argument);
}

TEST(RunCatchingExceptions, NamesTheTypeOfANonStandardException) {
  EXPECT_EQ(RunCatchingExceptions([] {}), std::nullopt);
  EXPECT_EQ(RunCatchingExceptions([] { throw 42; }), "an exception of type int escaped the body");
}

}  // namespace
}  // namespace faultline
