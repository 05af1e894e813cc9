#include "faultline/injector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "binomial.hpp"
#include "epoch.hpp"
#include "glob.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Property;
using ::testing::ThrowsMessage;

// Calls `target` n times and returns the 1-based ordinals on which a fault was injected.
std::vector<std::uint64_t> FiredCalls(faultline::FaultInjector& injector,
                                      const std::string& target, int n) {
  std::vector<std::uint64_t> fired;
  auto& site = injector.Intern(target);
  for (int i = 1; i <= n; ++i) {
    try {
      if (injector.Check(site)) fired.push_back(static_cast<std::uint64_t>(i));
    } catch (const faultline::InjectedFault&) {
      fired.push_back(static_cast<std::uint64_t>(i));
    }
  }
  return fired;
}

TEST(InjectorTest, ProbabilityZeroNeverFiresAndOneAlwaysFires) {
  faultline::FaultInjector injector(7);
  injector.AddRule(faultline::Exception("never").Target("a").Probability(0));
  injector.AddRule(faultline::Exception("always").Target("b").Probability(1));
  EXPECT_TRUE(FiredCalls(injector, "a", 10000).empty());
  EXPECT_EQ(FiredCalls(injector, "b", 10000).size(), 10000u);
}

TEST(InjectorTest, AOneRuleSiteFiresExactlyWhereTheDecisionStreamSays) {
  // Probabilities whose draws end near the bound of an early rejection, or across it.
  for (double p : {0x1p-50, 1e-6, 0.001, 0.3, 0.5, 0.999, 1 - 0x1p-40, std::nextafter(1.0, 0.0)}) {
    faultline::FaultInjector injector(7);
    injector.AddRule(faultline::Exception("rule").Target("target").Probability(p));
    std::vector<std::uint64_t> expected;
    for (std::uint64_t call = 1; call <= 20000; ++call) {
      const std::uint64_t bits = faultline::internal::DecisionBits(
          7, faultline::internal::HashName("rule", 4), faultline::internal::HashName("target", 6),
          call);
      if (faultline::internal::DrawFires(bits, faultline::internal::DrawThreshold(p))) {
        expected.push_back(call);
      }
    }
    EXPECT_EQ(FiredCalls(injector, "target", 20000), expected) << "p=" << p;
  }
}

TEST(InjectorTest, NoDrawWhoseHeadIsAboveTheBoundFires) {
  using faultline::internal::DrawFires;
  for (const std::uint64_t threshold :
       {std::uint64_t{1}, std::uint64_t{3} << 20, faultline::internal::DrawThreshold(0.001),
        faultline::internal::DrawThreshold(0.5), faultline::internal::DrawThreshold(0.99)}) {
    const std::uint64_t bound = faultline::internal::DrawHeadBound(threshold);
    ASSERT_LT(bound, ~std::uint64_t{0}) << "threshold " << threshold << " leaves no head above";
    // The heads just above the bound, and others spread up to the largest.
    std::vector<std::uint64_t> heads = {bound + 1, bound + 2, bound + (std::uint64_t{1} << 32),
                                        ~std::uint64_t{0}};
    for (std::uint64_t i = 1; i <= 10000; ++i) {
      heads.push_back(bound + 1 + faultline::internal::Mix64(i) % (~std::uint64_t{0} - bound));
    }
    for (const std::uint64_t head : heads) {
      ASSERT_FALSE(DrawFires(head ^ (head >> 31), threshold))
          << "threshold " << threshold << ", head " << head;
    }
  }
}

TEST(InjectorTest, ObservedRatesStayWithinBinomialBounds) {
  for (double p : {0.01, 0.2, 0.3, 0.5, 0.9}) {
    faultline::FaultInjector injector(1234);
    injector.AddRule(faultline::Exception("r").Target("t").Probability(p));
    const std::uint64_t n = 20000;
    const double fired = double(FiredCalls(injector, "t", int(n)).size());
    EXPECT_NEAR(fired, double(n) * p, faultline::testing::BinomialTolerance(n, p)) << "p=" << p;
  }
}

TEST(InjectorTest, RatesHoldAcrossManySeeds) {
  // 200 seeds of 100 calls at p = 0.3: the pooled count is Binomial(20000, 0.3).
  std::uint64_t fired = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    faultline::FaultInjector injector(seed);
    injector.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
    fired += FiredCalls(injector, "t", 100).size();
  }
  EXPECT_NEAR(double(fired), 6000.0, faultline::testing::BinomialTolerance(20000, 0.3));
}

TEST(InjectorTest, SameSeedGivesIdenticalEventsAndDifferentSeedsDiffer) {
  auto run = [](std::uint64_t seed) {
    faultline::FaultInjector injector(seed);
    injector.AddRule(faultline::Exception("api-error").Target("call_api").Probability(0.3));
    injector.AddRule(faultline::Delay("db-delay", 0ms).Target("query_db").Probability(0.2));
    for (int i = 0; i < 200; ++i) {
      try {
        injector.CheckAndInject("call_api");
      } catch (const faultline::InjectedFault&) {
      }
      injector.CheckAndInject("query_db");
    }
    std::vector<std::tuple<std::string, std::string, std::uint64_t, std::uint64_t>> events;
    for (const auto& e : injector.Events()) events.emplace_back(e.rule, e.target, e.call, e.sequence);
    return events;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
  EXPECT_FALSE(run(42).empty());
}

TEST(InjectorTest, DecisionsOnOneTargetIgnoreCallsToOthers) {
  faultline::FaultInjector alone(99);
  alone.AddRule(faultline::Exception("r").Target("*").Probability(0.4));
  const auto expected = FiredCalls(alone, "A", 500);

  faultline::FaultInjector busy(99);
  busy.AddRule(faultline::Exception("r").Target("*").Probability(0.4));
  std::thread other([&] { FiredCalls(busy, "B", 5000); });
  std::vector<std::uint64_t> interleaved;
  auto& a = busy.Intern("A");
  for (int i = 1; i <= 500; ++i) {
    try {
      busy.Check(a);
    } catch (const faultline::InjectedFault&) {
      interleaved.push_back(static_cast<std::uint64_t>(i));
    }
    if (i % 7 == 0) FiredCalls(busy, "C", 3);
  }
  other.join();
  EXPECT_EQ(interleaved, expected);
}

TEST(InjectorTest, DecisionsDoNotDependOnOtherRulesOrInsertionOfUnrelatedRules) {
  faultline::FaultInjector plain(5);
  plain.AddRule(faultline::Exception("r").Target("A").Probability(0.5));
  faultline::FaultInjector crowded(5);
  for (int i = 0; i < 50; ++i) {
    crowded.AddRule(faultline::Exception("other" + std::to_string(i)).Target("B" + std::to_string(i)));
  }
  crowded.AddRule(faultline::Exception("r").Target("A").Probability(0.5));
  EXPECT_EQ(FiredCalls(plain, "A", 300), FiredCalls(crowded, "A", 300));
}

TEST(InjectorTest, OrdinalsCountEveryCallWhateverRulesAreInstalled) {
  // The same calls, with and without a catch-all rule that never fires (as a flag would add),
  // and with the rule under test added after the first calls.
  auto fired = [](bool noise) {
    faultline::FaultInjector injector(9);
    if (noise) injector.AddRule(faultline::Exception("noise").Target("*").Probability(0));
    FiredCalls(injector, "db", 3);
    injector.AddRule(faultline::Exception("mine").Target("db").OnCalls({5}).SkipFirst(1));
    return FiredCalls(injector, "db", 4);
  };
  EXPECT_THAT(fired(false), ElementsAre(2u));  // the 2nd of these calls is call 5
  EXPECT_EQ(fired(true), fired(false));
}

TEST(InjectorTest, WithoutCountingCallsAreCountedOnlyWhileARuleExists) {
  faultline::FaultInjector injector;
  injector.CountCalls(false);
  EXPECT_FALSE(injector.armed());
  FiredCalls(injector, "db", 3);
  EXPECT_EQ(injector.Stats().total_calls, 0u);
  injector.AddRule(faultline::Exception("r").Target("db").OnCalls({2}));
  EXPECT_TRUE(injector.armed());
  EXPECT_THAT(FiredCalls(injector, "db", 3), ElementsAre(2u));
  injector.CountCalls(true);
  injector.Reset();
  EXPECT_TRUE(injector.armed());
}

TEST(InjectorTest, RulesKeepTheirOrderWhicheverComesFirstTheSiteOrTheRule) {
  faultline::FaultInjector injector;
  injector.Intern("early");
  injector.AddRule(faultline::Exception("glob").Target("*").Probability(0));
  injector.AddRule(faultline::Return("exact", 1).Target("late"));
  injector.AddRule(faultline::Return("exact-early", 1).Target("early"));
  injector.AddRule(faultline::Return("second", 2).Target("?ate"));
  injector.AddRule(faultline::Return("third", 3).Target("early"));
  // "late" is interned after its rules: literal and glob rules are merged in insertion order.
  EXPECT_EQ(injector.CheckAndInject("late").rule->name(), "exact");
  EXPECT_EQ(injector.CheckAndInject("early").rule->name(), "exact-early");
  ASSERT_TRUE(injector.RemoveRule("exact"));
  ASSERT_TRUE(injector.RemoveRule("exact-early"));
  EXPECT_EQ(injector.CheckAndInject("late").rule->name(), "second");
  EXPECT_EQ(injector.CheckAndInject("early").rule->name(), "third");
  injector.AddRule(faultline::Return("exact", 4).Target("late"));  // now the newest
  EXPECT_EQ(injector.CheckAndInject("late").rule->name(), "second");
  injector.AddRule(faultline::Return("off", 5).Target("early").Enabled(false));
  injector.RemoveRule("third");
  EXPECT_FALSE(injector.CheckAndInject("early"));
  EXPECT_EQ(injector.Rules().size(), 4u);
}

TEST(InjectorTest, AGlobAddedAfterItsSitesMatchesExactlyThoseItNames) {
  faultline::FaultInjector injector;
  const std::vector<std::string> names = {"Ledger::Post", "Ledger::", "Ledge", "Other", "a*b",
                                          "axb", "b", ""};
  for (const std::string& name : names) injector.Intern(name);
  for (const std::string glob : {"Ledger::*", "*", "Led?er::Post", "a\\*b", "[ab]*", "Ledge"}) {
    injector.Reset();
    injector.AddRule(faultline::Return("r", 1).Target(glob));
    for (const std::string& name : names) {
      EXPECT_EQ(static_cast<bool>(injector.CheckAndInject(name)),
                faultline::internal::GlobMatch(glob, name))
          << "glob " << glob << ", site \"" << name << "\"";
    }
  }
}

TEST(InjectorTest, RemovingFirstMiddleAndLastRulesOfASiteKeepsTheRest) {
  faultline::FaultInjector injector;
  for (int i = 0; i < 6; ++i) {
    injector.AddRule(faultline::Return("r" + std::to_string(i), i).Target("t").Probability(0));
  }
  auto names = [&] {
    std::vector<std::string> tried;
    for (const auto& rule : injector.Stats().rules) {
      if (rule.checks != 0) tried.push_back(rule.name);
    }
    injector.Reset();
    return tried;
  };
  injector.RemoveRule("r0");
  injector.RemoveRule("r5");
  injector.RemoveRule("r2");
  injector.AddRule(faultline::Return("r6", 6).Target("t").Probability(0));
  injector.CheckAndInject("t");
  EXPECT_THAT(names(), ElementsAre("r1", "r3", "r4", "r6"));
}

TEST(InjectorTest, ARuleAddedAndRemovedRepeatedlyIsOneStatsEntry) {
  faultline::FaultInjector injector;
  for (int i = 0; i < 1000; ++i) {
    auto scope = injector.Scope({faultline::Exception("flaky").Target("t").MaxTriggers(1)});
    EXPECT_THAT(FiredCalls(injector, "t", 2), ::testing::SizeIs(1));  // each install fires once
  }
  injector.AddRule(faultline::Exception("flaky").Target("t").Probability(0.5));
  const auto stats = injector.Stats();
  ASSERT_EQ(stats.rules.size(), 2u);  // a different probability is a different entry
  EXPECT_EQ(stats.rules[0].checks, 2000u);
  EXPECT_EQ(stats.rules[0].triggers, 1000u);
  EXPECT_EQ(stats.rules[1].checks, 0u);
  EXPECT_EQ(stats.faults_per_rule.at("flaky"), 1000u);
}

TEST(InjectorTest, ReplacedRuleListsAndRulesAreFreed) {
  faultline::FaultInjector injector;
  for (int i = 0; i < 100; ++i) injector.Intern("site." + std::to_string(i));
  for (int i = 0; i < 20000; ++i) {
    injector.AddRule(faultline::Exception("a").Target("site.*").Probability(0));
    injector.AddRule(faultline::Exception("b").Target("site.7"));
    injector.RemoveRule("a");
    injector.Reset();
  }
  // Without readers, an object waits at most two epochs, i.e. a few retirements.
  EXPECT_LT(faultline::internal::RetiredCount(), 1000u);
}

TEST(InjectorTest, ADecisionOutlivesTheRemovalOfItsRule) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("r", 7).Target("t"));
  const faultline::Decision decision = injector.CheckAndInject("t");
  injector.Reset();
  for (int i = 0; i < 10; ++i) injector.AddRule(faultline::Exception("x" + std::to_string(i)));
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision.rule->name(), "r");
  EXPECT_EQ(*faultline::AnyCast<std::int64_t>(&decision.rule->return_value()), 7);
}

TEST(InjectorTest, FirstTriggeredRuleWinsAndLaterRulesAreTriedOnlyWhenItDoesNot) {
  faultline::FaultInjector injector(3);
  injector.AddRule(faultline::Exception("first").Target("t").Probability(0.5));
  injector.AddRule(faultline::Exception("second").Target("t").Probability(1.0));
  FiredCalls(injector, "t", 1000);
  const auto stats = injector.Stats();
  ASSERT_EQ(stats.rules.size(), 2u);
  const auto& first = stats.rules[0];
  const auto& second = stats.rules[1];
  EXPECT_EQ(first.checks, 1000u);
  EXPECT_EQ(second.checks, 1000u - first.triggers);
  EXPECT_EQ(second.target_calls, 1000u);  // reached its target even when not tried
  EXPECT_EQ(second.triggers, second.checks);
  EXPECT_EQ(first.triggers + second.triggers, 1000u);
  EXPECT_NEAR(double(first.triggers), 500.0, faultline::testing::BinomialTolerance(1000, 0.5));
}

TEST(InjectorTest, GlobTargetsMatch) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("ledger").Target("Ledger::*"));
  EXPECT_THROW(injector.CheckAndInject("Ledger::Post"), faultline::InjectedFault);
  EXPECT_THROW(injector.CheckAndInject("Ledger::Refund"), faultline::InjectedFault);
  EXPECT_NO_THROW(injector.CheckAndInject("Gateway::Charge"));
}

TEST(InjectorTest, BraceGlobsMatchTheirAlternativesWhetherSitesComeBeforeOrAfter) {
  faultline::FaultInjector injector;
  EXPECT_NO_THROW(injector.CheckAndInject("log.Sync"));
  injector.AddRule(faultline::Exception("sync").Target("{log,table}.Sync"));
  EXPECT_THROW(injector.CheckAndInject("log.Sync"), faultline::InjectedFault);
  EXPECT_THROW(injector.CheckAndInject("table.Sync"), faultline::InjectedFault);
  EXPECT_NO_THROW(injector.CheckAndInject("manifest.Sync"));
}

TEST(InjectorTest, TriggerLimitsApplyPerRuleAndPerTargetOrdinal) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("max").Target("a").MaxTriggers(3));
  injector.AddRule(faultline::Exception("skip").Target("b").SkipFirst(4).MaxTriggers(2));
  injector.AddRule(faultline::Exception("nth").Target("c").EveryNth(3));
  injector.AddRule(faultline::Exception("ordinals").Target("d").OnCalls({2, 5, 6}));
  EXPECT_THAT(FiredCalls(injector, "a", 10), ElementsAre(1, 2, 3));
  EXPECT_THAT(FiredCalls(injector, "b", 10), ElementsAre(5, 6));
  EXPECT_THAT(FiredCalls(injector, "c", 10), ElementsAre(3, 6, 9));
  EXPECT_THAT(FiredCalls(injector, "d", 10), ElementsAre(2, 5, 6));
}

TEST(InjectorTest, ConditionsCombineWithProbability) {
  faultline::FaultInjector injector(11);
  injector.AddRule(faultline::Exception("r").Target("t").EveryNth(2).Probability(0.5));
  const auto fired = FiredCalls(injector, "t", 4000);
  for (auto k : fired) EXPECT_EQ(k % 2, 0u);
  EXPECT_NEAR(double(fired.size()), 1000.0, faultline::testing::BinomialTolerance(2000, 0.5));
}

TEST(InjectorTest, DuplicateRuleNameIsAnError) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("dup"));
  EXPECT_THAT([&] { injector.AddRule(faultline::Delay("dup", 1ms)); },
              ThrowsMessage<std::invalid_argument>(
                  "faultline: rule \"dup\": a rule with this name is already installed"));
  EXPECT_EQ(injector.Rules().size(), 1u);
}

TEST(InjectorTest, ARuleInstalledDisabledFiresOnceEnabledAndStopsOnceDisabled) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("later").Target("Env::{Sync,Write}").Enabled(false));
  EXPECT_NO_THROW(injector.CheckAndInject("Env::Sync"));
  ASSERT_TRUE(injector.EnableRule("later"));
  EXPECT_TRUE(injector.Rules().at(0).enabled());
  EXPECT_THROW(injector.CheckAndInject("Env::Sync"), faultline::InjectedFault);
  EXPECT_THROW(injector.CheckAndInject("Env::Write"), faultline::InjectedFault);
  ASSERT_TRUE(injector.DisableRule("later"));
  EXPECT_NO_THROW(injector.CheckAndInject("Env::Sync"));
  EXPECT_TRUE(injector.DisableRule("later"));  // already disabled
  EXPECT_FALSE(injector.EnableRule("missing"));
  const faultline::HarnessStats stats = injector.Stats();
  ASSERT_EQ(stats.rules.size(), 1u);
  EXPECT_EQ(stats.rules[0].triggers, 2u);
}

TEST(InjectorTest, AnEnabledRuleKeepsItsPlaceAndWhatIsLeftOfItsBudget) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("first", 1).Target("t").MaxTriggers(2));
  injector.AddRule(faultline::Return("second", 2).Target("t"));
  auto call = injector.Wrap("t", [] { return 0; });
  EXPECT_EQ(call(), 1);
  injector.DisableRule("first");
  EXPECT_EQ(call(), 2);
  // Enabled again, "first" is tried before "second" again, and has one trigger left.
  injector.EnableRule("first");
  EXPECT_EQ(call(), 1);
  EXPECT_EQ(call(), 2);
  EXPECT_THAT(injector.Rules(), ElementsAre(Property(&faultline::FaultConfig::name, "first"),
                                            Property(&faultline::FaultConfig::name, "second")));
}

TEST(InjectorTest, RemoveRuleReportsWhetherItRemovedSomething) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("r").Target("t"));
  EXPECT_TRUE(injector.RemoveRule("r"));
  EXPECT_FALSE(injector.RemoveRule("r"));
  EXPECT_NO_THROW(injector.CheckAndInject("t"));
  EXPECT_TRUE(injector.Rules().empty());
}

TEST(InjectorTest, DisabledRulesAndDisabledInjectorInjectNothing) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("off").Target("t").Enabled(false));
  EXPECT_NO_THROW(injector.CheckAndInject("t"));
  injector.AddRule(faultline::Exception("on").Target("t"));
  EXPECT_THROW(injector.CheckAndInject("t"), faultline::InjectedFault);
  injector.Disable();
  EXPECT_FALSE(injector.enabled());
  EXPECT_NO_THROW(injector.CheckAndInject("t"));
  injector.Enable();
  EXPECT_THROW(injector.CheckAndInject("t"), faultline::InjectedFault);
}

TEST(InjectorTest, ExceptionMessageNamesTheRule) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("api-error").Target("call_api"));
  EXPECT_THAT([&] { injector.CheckAndInject("call_api"); },
              ThrowsMessage<faultline::InjectedFault>("[FAULT:api-error] Injected fault"));
}

TEST(InjectorTest, DelayAndTimeoutSpendTimeOnTheInjectorsClock) {
  faultline::VirtualClock clock;
  faultline::FaultInjector injector;
  injector.SetClock(&clock);
  injector.AddRule(faultline::Delay("slow", 250ms).Target("db").MaxTriggers(1));
  injector.AddRule(faultline::Timeout("hang", 2s).Target("api").MaxTriggers(1));
  EXPECT_FALSE(injector.CheckAndInject("db"));
  EXPECT_EQ(clock.Now(), 250ms);
  EXPECT_THAT([&] { injector.CheckAndInject("api"); },
              ThrowsMessage<faultline::InjectedTimeout>("[FAULT:hang] Timed out"));
  EXPECT_EQ(clock.Now(), 2250ms);
  const auto events = injector.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].timestamp, 0ms);
  EXPECT_EQ(events[1].timestamp, 250ms);
}

TEST(InjectorTest, ReturnAndCorruptionDecisionsAreHandedToTheCaller) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("oom", -12).Target("alloc"));
  const faultline::Decision decision = injector.CheckAndInject("alloc");
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision.type(), faultline::FaultType::kReturn);
  EXPECT_EQ(decision.rule->name(), "oom");
  EXPECT_EQ(decision.call, 1u);
}

TEST(InjectorTest, EventsRecordRuleTargetOrdinalSequenceAndThread) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("r").Target("t").OnCalls({2, 3}));
  FiredCalls(injector, "t", 4);
  const auto events = injector.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].rule, "r");
  EXPECT_EQ(events[0].type, faultline::FaultType::kException);
  EXPECT_EQ(events[0].target, "t");
  EXPECT_EQ(events[0].call, 2u);
  EXPECT_EQ(events[0].sequence, 1u);
  EXPECT_EQ(events[1].call, 3u);
  EXPECT_EQ(events[1].sequence, 2u);
  EXPECT_EQ(events[0].thread, std::this_thread::get_id());
}

TEST(InjectorTest, StatsCountCallsAndFaults) {
  faultline::FaultInjector injector(42);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.5));
  FiredCalls(injector, "t", 100);
  FiredCalls(injector, "untouched", 5);
  const auto stats = injector.Stats();
  EXPECT_EQ(stats.total_calls, 105u);
  EXPECT_EQ(stats.calls_per_target.at("t"), 100u);
  EXPECT_EQ(stats.calls_per_target.at("untouched"), 5u);  // counted without a rule too
  EXPECT_EQ(stats.total_faults, stats.events.size());
  EXPECT_EQ(stats.faults_per_rule.at("r"), stats.total_faults);
  EXPECT_EQ(stats.rules.at(0).checks, 100u);
  EXPECT_EQ(stats.dropped_events, 0u);
}

TEST(InjectorTest, EventLogIsBoundedAndCountsDroppedEvents) {
  faultline::FaultInjector injector;
  injector.SetEventLimit(5);
  injector.AddRule(faultline::Exception("r").Target("t"));
  FiredCalls(injector, "t", 12);
  const auto stats = injector.Stats();
  EXPECT_EQ(stats.events.size(), 5u);
  EXPECT_EQ(stats.dropped_events, 7u);
  EXPECT_EQ(stats.total_faults, 12u);
  EXPECT_EQ(stats.events.back().sequence, 5u);
}

TEST(InjectorTest, ResetClearsRulesCountersAndEventsButKeepsTheSeed) {
  faultline::FaultInjector injector(77);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.5));
  const auto before = FiredCalls(injector, "t", 50);
  injector.Reset();
  EXPECT_TRUE(injector.Rules().empty());
  EXPECT_TRUE(injector.Events().empty());
  EXPECT_EQ(injector.Stats().total_calls, 0u);
  EXPECT_TRUE(injector.Stats().rules.empty());
  EXPECT_EQ(injector.seed(), 77u);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.5));
  EXPECT_EQ(FiredCalls(injector, "t", 50), before);
}

TEST(InjectorTest, SetSeedChangesDecisions) {
  faultline::FaultInjector injector(1);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.5));
  const auto first = FiredCalls(injector, "t", 64);
  injector.Reset();
  injector.SetSeed(2);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.5));
  EXPECT_NE(FiredCalls(injector, "t", 64), first);
}

TEST(InjectorTest, ASeedSetAfterTheRulesDecidesAsTheSameSeedSetBefore) {
  // A site with one plain rule decides apart from the rest: its decisions follow the seed set
  // after it, and equal those of the same rule tried among others.
  faultline::FaultInjector before(7);
  before.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
  faultline::FaultInjector after(1);
  after.Intern("t");
  after.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
  after.SetSeed(7);
  faultline::FaultInjector shared(7);
  shared.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
  shared.AddRule(faultline::Exception("never").Target("t").Probability(0));
  const auto expected = FiredCalls(before, "t", 400);
  EXPECT_EQ(FiredCalls(after, "t", 400), expected);
  EXPECT_EQ(FiredCalls(shared, "t", 400), expected);
  EXPECT_FALSE(expected.empty());
}

TEST(InjectorTest, AReplayDecidesASitesOnePlainRuleAndStoppingItGivesTheDrawsBack) {
  faultline::FaultInjector injector(7);
  injector.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
  faultline::FaultInjector fresh(7);
  fresh.AddRule(faultline::Exception("r").Target("t").Probability(0.3));
  injector.Replay(faultline::Schedule::Parse("r=t@2"));
  EXPECT_THAT(FiredCalls(injector, "t", 50), ElementsAre(2u));
  injector.StopReplay();
  // Calls 51 to 250 draw again, as they do where no replay ever was.
  std::vector<std::uint64_t> expected;
  for (const std::uint64_t call : FiredCalls(fresh, "t", 250)) {
    if (call > 50) expected.push_back(call - 50);
  }
  EXPECT_EQ(FiredCalls(injector, "t", 200), expected);
  EXPECT_FALSE(expected.empty());
}

TEST(ScopeTest, RemovesExactlyTheRulesItAdded) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("outer").Target("x"));
  {
    auto scope = injector.Scope({faultline::Exception("a").Target("t"),
                                 faultline::Delay("b", 0ms).Target("t")});
    EXPECT_EQ(injector.Rules().size(), 3u);
    EXPECT_THROW(injector.CheckAndInject("t"), faultline::InjectedFault);
  }
  ASSERT_EQ(injector.Rules().size(), 1u);
  EXPECT_EQ(injector.Rules()[0].name(), "outer");
  EXPECT_NO_THROW(injector.CheckAndInject("t"));
}

TEST(ScopeTest, DoesNotRemoveALaterRuleOfTheSameName) {
  faultline::FaultInjector injector;
  {
    auto scope = injector.Scope({faultline::Exception("r").Target("t")});
    injector.RemoveRule("r");
    injector.AddRule(faultline::Exception("r").Target("u"));
  }
  ASSERT_EQ(injector.Rules().size(), 1u);
  EXPECT_EQ(injector.Rules()[0].target(), "u");
}

TEST(ScopeTest, NestsAndRemovesRulesWhenTheBodyThrows) {
  faultline::FaultInjector injector;
  try {
    auto outer = injector.Scope({faultline::Exception("outer").Target("a")});
    {
      auto inner = injector.Scope({faultline::Exception("inner").Target("b")});
      EXPECT_EQ(injector.Rules().size(), 2u);
    }
    EXPECT_EQ(injector.Rules().size(), 1u);
    auto inner2 = injector.Scope({faultline::Exception("inner2").Target("b")});
    injector.CheckAndInject("a");  // throws through both scopes
    FAIL() << "no fault";
  } catch (const faultline::InjectedFault& fault) {
    EXPECT_EQ(fault.rule(), "outer");
  }
  EXPECT_TRUE(injector.Rules().empty());
  EXPECT_FALSE(injector.CheckAndInject("a"));
}

TEST(ScopeTest, AFailedAddRemovesTheRulesAlreadyAdded) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Exception("taken"));
  EXPECT_THAT(
      [&] {
        auto scope = injector.Scope({faultline::Exception("fresh"), faultline::Exception("taken")});
      },
      ThrowsMessage<std::invalid_argument>(HasSubstr("\"taken\"")));
  ASSERT_EQ(injector.Rules().size(), 1u);
  EXPECT_EQ(injector.Rules()[0].name(), "taken");
}

// The filters of system-call rules, at the engine: a call passes a filter only when its context
// answers it.
TEST(CallFilterTest, RulesWithAPathOrSizeNeverFireWhereNoneIsKnown) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("by-path", 1).Target("t").Path("*.db"));
  injector.AddRule(faultline::Return("by-size", 2).Target("t").Sizes(10, 20));
  const auto call = injector.Wrap("t", [] { return 0; });
  EXPECT_EQ(call(), 0);
  EXPECT_EQ(injector.Stats().rules[0].checks, 0u) << "a filtered call is not a check";
}

TEST(CallFilterTest, EvaluateMatchesThePathAndSizeOfTheCall) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("by-path", 1).Target("t").Path("*/data.db"));
  injector.AddRule(faultline::Return("by-size", 2).Target("t").Sizes(10, 20));
  faultline::internal::Site& site = injector.Intern("t");
  const auto value_of = [&](const faultline::internal::CallContext& context) -> std::int64_t {
    const faultline::Decision decision = injector.Evaluate(site, context);
    return decision ? *faultline::AnyCast<std::int64_t>(&decision.rule->return_value()) : 0;
  };
  faultline::internal::CallContext context;
  context.path = "/var/data.db";
  EXPECT_EQ(value_of(context), 1);
  context.path = "/var/data.log";
  EXPECT_EQ(value_of(context), 0);
  context.size = 15;
  context.has_size = true;
  EXPECT_EQ(value_of(context), 2);
  context.size = 21;
  EXPECT_EQ(value_of(context), 0);
  // Every call was counted, filtered or not.
  EXPECT_EQ(injector.Stats().calls_per_target["t"], 4u);
}

TEST(CallFilterTest, ScopedRulesFireOnlyInsideOnlyIn) {
  faultline::FaultInjector injector;
  injector.AddRule(faultline::Return("scoped", 7).Target("t").Scoped());
  const auto call = injector.Wrap("t", [] { return 0; });
  EXPECT_EQ(call(), 0);
  {
    ++faultline::internal::t_only_in_depth;  // what faultline::posix::OnlyIn does
    EXPECT_EQ(call(), 7);
    --faultline::internal::t_only_in_depth;
  }
  EXPECT_EQ(call(), 0);
}

}  // namespace
