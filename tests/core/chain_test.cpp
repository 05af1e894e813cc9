// Chained actions (FaultConfig::Then, "->" in the rule language) and thread filters
// (OnThread, OnCurrentThread, OnThreadsNamed, "@thread(...)").
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "binomial.hpp"
#include "faultline/explore.hpp"
#include "faultline/injector.hpp"
#include "faultline/schedule.hpp"
#include "faultline/rules.hpp"

namespace {

using namespace std::chrono_literals;
using ::faultline::FaultConfig;
using ::faultline::FaultInjector;
using ::faultline::FaultType;
using ::faultline::ParseRules;
using ::faultline::RuleSyntaxError;
using ::faultline::ToString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What one call of `target` did: 'p' passed, 'e' threw, 'd' was delayed (by the virtual clock).
char Outcome(FaultInjector& injector, faultline::VirtualClock& clock, const std::string& target) {
  const auto before = clock.Now();
  try {
    injector.CheckAndInject(target);
  } catch (const faultline::InjectedFault&) {
    return 'e';
  }
  return clock.Now() != before ? 'd' : 'p';
}

std::string Outcomes(FaultInjector& injector, faultline::VirtualClock& clock,
                     const std::string& target, int calls) {
  std::string out;
  for (int i = 0; i < calls; ++i) out += Outcome(injector, clock, target);
  return out;
}

FaultConfig IssueExample() {
  return faultline::Off("x")
      .Target("db.*")
      .MaxTriggers(3)
      .Then(faultline::Exception("x").MaxTriggers(2))
      .Then(faultline::Delay("x", 10ms));
}

TEST(ChainTest, TermsApplyInOrderWithTheirCounts) {
  FaultInjector injector(7);
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(IssueExample());
  EXPECT_EQ(Outcomes(injector, clock, "db.read", 8), "pppeeddd");
  EXPECT_EQ(clock.Now(), 30ms);
}

// A schedule records calls, not terms: replayed, the chain decides by its terms again, so the
// replay repeats the run (the off head never throws, the exception term throws on call 4).
TEST(ChainTest, AReplayedScheduleRepeatsTheChainsTerms) {
  FaultInjector injector(7);
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(IssueExample());
  const std::string run = Outcomes(injector, clock, "db.read", 8);
  const faultline::Schedule schedule = faultline::Schedule::FromEvents(injector.Events());
  injector.Reset();
  injector.AddRule(IssueExample());
  injector.Replay(schedule);
  EXPECT_EQ(Outcomes(injector, clock, "db.read", 8), run);
}

TEST(ChainTest, ASweepRefusesAChainedRuleNamingIt) {
  FaultInjector injector(7);
  faultline::SweepOptions options;
  options.injector = &injector;
  options.Fault(IssueExample());
  try {
    faultline::Sweep(options, [] {});
    FAIL() << "a chained rule was swept";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), HasSubstr("rule \"x\" is chained"));
  }
}

TEST(ChainTest, SyncPointsAreNotChained) {
  EXPECT_THROW(faultline::Exception("x").MaxTriggers(1).Then(faultline::Pause("x")),
               std::invalid_argument);
  EXPECT_THROW(faultline::Pause("x").MaxTriggers(1).Then(faultline::Exception("x")),
               std::invalid_argument);
  try {
    ParseRules("x=t:1*exception->wait(A)");
    FAIL() << "a wait term was accepted";
  } catch (const RuleSyntaxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("pause and wait hold threads until released"));
  }
}

TEST(ChainTest, EachTargetWalksTheChainOnItsOwn) {
  FaultInjector injector(7);
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(IssueExample());
  std::string read;
  std::string write;
  for (int i = 0; i < 7; ++i) {
    read += Outcome(injector, clock, "db.read");
    write += Outcome(injector, clock, "db.write");
  }
  EXPECT_EQ(read, "pppeedd");
  EXPECT_EQ(write, "pppeedd");
}

TEST(ChainTest, EventsRecordTheTermThatFired) {
  FaultInjector injector(7);
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(IssueExample());
  Outcomes(injector, clock, "db.read", 6);
  std::vector<FaultType> types;
  std::vector<std::uint64_t> calls;
  for (const faultline::FaultEvent& event : injector.Events()) {
    EXPECT_EQ(event.rule, "x");
    types.push_back(event.type);
    calls.push_back(event.call);
  }
  EXPECT_THAT(types, ElementsAre(FaultType::kException, FaultType::kException, FaultType::kDelay));
  EXPECT_THAT(calls, ElementsAre(4u, 5u, 6u));
  EXPECT_EQ(injector.Stats().faults_per_rule.at("x"), 3u);
}

TEST(ChainTest, AFiredTermThrowsWithTheRuleName) {
  FaultInjector injector;
  injector.AddRule(faultline::Off("x").MaxTriggers(1).Then(faultline::Exception("other").Message("boom")));
  injector.CheckAndInject("t");
  try {
    injector.CheckAndInject("t");
    ADD_FAILURE() << "did not throw";
  } catch (const faultline::InjectedFault& fault) {
    EXPECT_EQ(fault.rule(), "x");
    EXPECT_STREQ(fault.what(), "[FAULT:x] boom");
  }
}

TEST(ChainTest, WhenNoTermAppliesNothingFires) {
  FaultInjector injector;
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(faultline::Exception("x").MaxTriggers(1).Then(faultline::Delay("x", 1ms).MaxTriggers(1)));
  EXPECT_EQ(Outcomes(injector, clock, "t", 5), "edppp");
}

TEST(ChainTest, AProbabilityMissFallsThroughToTheNextTerm) {
  constexpr int kCalls = 20000;
  constexpr double kP = 0.3;
  FaultInjector injector(11);
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(ParseRules("x=t:30%exception->delay(1ms)").at(0));
  const std::string outcomes = Outcomes(injector, clock, "t", kCalls);
  const auto thrown = std::count(outcomes.begin(), outcomes.end(), 'e');
  const auto delayed = std::count(outcomes.begin(), outcomes.end(), 'd');
  EXPECT_EQ(thrown + delayed, kCalls);
  EXPECT_NEAR(double(thrown), kCalls * kP, faultline::testing::BinomialTolerance(kCalls, kP));
}

TEST(ChainTest, DrawsReplayExactlyFromTheSeed) {
  const auto run = [](std::uint64_t seed) {
    FaultInjector injector(seed);
    faultline::VirtualClock clock;
    injector.SetClock(&clock);
    injector.AddRule(ParseRules("x=t:50%4*exception->50%off->25%delay(1ms)").at(0));
    return Outcomes(injector, clock, "t", 200);
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(ChainTest, CountsAreExactWithRealThreads) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 500;
  FaultInjector injector;
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(faultline::Off("x").Target("t").MaxTriggers(100).Then(
      faultline::Exception("x").MaxTriggers(250)));
  std::atomic<int> thrown{0};
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int call = 0; call < kCallsPerThread; ++call) {
        try {
          injector.CheckAndInject("t");
          ++passed;
        } catch (const faultline::InjectedFault&) {
          ++thrown;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(thrown.load(), 250);
  EXPECT_EQ(passed.load(), kThreads * kCallsPerThread - 250);
}

TEST(ChainTest, DisablingAndEnablingKeepsWhatTheTermsUsedUp) {
  FaultInjector injector;
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(faultline::Exception("x").MaxTriggers(2).Then(faultline::Delay("x", 1ms)));
  EXPECT_EQ(Outcomes(injector, clock, "t", 1), "e");
  ASSERT_TRUE(injector.EnableRule("x", false));
  EXPECT_EQ(Outcomes(injector, clock, "t", 2), "pp");
  ASSERT_TRUE(injector.EnableRule("x", true));
  EXPECT_EQ(Outcomes(injector, clock, "t", 3), "edd");
}

TEST(ChainTest, CppAndTextBuildTheSameRule) {
  EXPECT_EQ(ParseRules("x=db.*:3*off->2*exception->delay(10ms)").at(0), IssueExample());
  EXPECT_EQ(ToString(IssueExample()), "x=db.*:3*off->2*exception->delay(10ms)");
  EXPECT_EQ(ParseRules("x=5*exception(boom)->return(-5)").at(0),
            faultline::Exception("x").MaxTriggers(5).Message("boom").Then(
                faultline::Return("x", -5)));
}

TEST(ChainTest, ATermsOwnChainIsAppendedAfterIt) {
  const FaultConfig nested = faultline::Exception("x").MaxTriggers(1).Then(
      faultline::Off("y").MaxTriggers(2).Then(faultline::Delay("y", 1s)));
  EXPECT_EQ(ToString(nested), "x=1*exception->2*off->delay(1s)");
  EXPECT_EQ(nested.chain().size(), 2u);
  EXPECT_EQ(nested.chain()[1].name(), "x");
}

TEST(ChainTest, ChainsRoundTripThroughToString) {
  const char* texts[] = {
      "x=3*off->2*exception->delay(10ms)",
      "x=db.*:30%2*exception(boom)->50%off->timeout(1s)",
      "x=1*return(-5)->errno(ENOSPC)",
      "x=10%corrupt->1*partial->off",
      "x=2*off@message(m)->1*delay(1ms)@return(3)->exception",
      "x=1*exception@thread(compaction*)@off->delay(5ms)",
      "x=1*exception@path(*.db)@size(1,10)@scoped->delay(1s)",
  };
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    const std::vector<FaultConfig> rules = ParseRules(text);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(ParseRules(ToString(rules[0])).at(0), rules[0]);
  }
  EXPECT_EQ(ToString(ParseRules(texts[0]).at(0)), texts[0]);
  EXPECT_EQ(ToString(ParseRules(texts[1]).at(0)), texts[1]);
}

TEST(ChainTest, OffAloneStillDisablesTheRule) {
  EXPECT_EQ(ParseRules("a=off").at(0), faultline::Off("a"));
  EXPECT_FALSE(faultline::Off("a").enabled());
  const FaultConfig chain = ParseRules("a=1*off@off->exception").at(0);
  EXPECT_FALSE(chain.enabled());
  EXPECT_TRUE(chain.passes());
  EXPECT_EQ(ToString(chain), "a=1*off@off->exception");
}

struct ChainErrorCase {
  const char* text;
  int column;
  const char* message;
};

TEST(ChainTest, BadChainsInTextSayWhatWasExpected) {
  const ChainErrorCase cases[] = {
      {"x=exception->", 14,
       R"(expected a percentage, a count or an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "->", got end of input)"},
      {"x=t:1*exception->->delay(1s)", 18,
       R"(expected a percentage, a count or an action (exception, delay, timeout, return, errno, partial, corrupt, pause, wait or off) after "->", got "-")"},
      {"x=exception->delay(1s)", 14,
       R"(rule "x": chained term 2 can never be reached: term 1 (exception) has no count and probability 1, so it takes every call)"},
      {"x=1*off->off->delay(1s)", 15,
       R"(rule "x": chained term 3 can never be reached: term 2 (off) has no count and probability 1, so it takes every call)"},
      {"x=1*exception->delay(1s)@thread(a*)", 25,
       R"(@thread applies to the whole rule: write it on the first term of the chain, before the first "->")"},
      {"x=1*exception->delay(1s)@off", 25,
       R"(@off applies to the whole rule: write it on the first term of the chain, before the first "->")"},
      {"x=exception@skip(2)->delay(1s)", 22,
       R"(rule "x": a chained rule takes no skip-first, every-nth or call-ordinal condition: its terms count its calls (pass calls with an off term, e.g. 3*off->exception))"},
      {"x=1*exception -> delay(1s)", 15,
       R"(expected '@', '->', ';' or the end of the line after "exception", got "-")"},
      {"x=exception@thread(", 20, R"(expected ')' after "@thread(", got end of input)"},
      {"x=exception@thread([ab)", 20,
       R"(rule "x": bad thread name "[ab": '[' at column 1 is never closed by ']')"},
  };
  for (const ChainErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      ParseRules(c.text);
      ADD_FAILURE() << "parsed";
    } catch (const RuleSyntaxError& error) {
      EXPECT_EQ(error.message(), c.message);
      EXPECT_EQ(error.column(), c.column);
    }
  }
}

TEST(ChainTest, BadChainsInCppThrowAtTheSetter) {
  const auto message = [](auto&& build) -> std::string {
    try {
      build();
    } catch (const std::invalid_argument& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_THAT(message([] { faultline::Exception("x").Then(faultline::Delay("x", 1s)); }),
              HasSubstr("chained term 2 can never be reached"));
  EXPECT_THAT(message([] {
                faultline::Exception("x").MaxTriggers(1).Then(
                    faultline::Delay("x", 1s).Target("db.*"));
              }),
              HasSubstr(R"(a chained term has no target of its own (the rule's is used), got "db.*")"));
  EXPECT_THAT(message([] {
                faultline::Exception("x").MaxTriggers(1).Then(
                    faultline::Delay("x", 1s).OnThreadsNamed("a*"));
              }),
              HasSubstr("those belong to the rule, its first term"));
  EXPECT_THAT(message([] {
                faultline::Exception("x").MaxTriggers(1).Then(faultline::Delay("x", 1s)).OnCalls({3});
              }),
              HasSubstr("a chained rule takes no skip-first, every-nth or call-ordinal condition"));
  EXPECT_THAT(message([] {
                faultline::Exception("x").MaxTriggers(1).Then(faultline::Delay("x", 1s)).EveryNth(2);
              }),
              HasSubstr("a chained rule takes no skip-first"));
  EXPECT_THAT(message([] {
                faultline::Exception("x").Probability(0.5).Then(faultline::Delay("x", 1s)).Probability(1);
              }),
              HasSubstr("term 2 could never be reached"));
  // A refused term leaves the rule as it was.
  FaultConfig rule = faultline::Off("x").MaxTriggers(1);
  EXPECT_THROW(rule.Then(faultline::Exception("x").Target("y")), std::invalid_argument);
  EXPECT_EQ(rule, faultline::Off("x").MaxTriggers(1));
}

TEST(ChainTest, AnyDisabledRuleBecomesAnOffTerm) {
  const FaultConfig chain = faultline::Timeout("x", 2s).Enabled(false).MaxTriggers(1).Then(
      faultline::Return("x", 5).Enabled(false).MaxTriggers(2)).Then(faultline::Exception("x"));
  EXPECT_EQ(ToString(chain), "x=1*off@message(Timed out)@delay(2s)->2*off@return(5)->exception");
  EXPECT_EQ(ParseRules(ToString(chain)).at(0), chain);
}

TEST(ChainTest, ChainsCompareByTheirTerms) {
  EXPECT_EQ(IssueExample(), IssueExample());
  EXPECT_NE(IssueExample(), faultline::Off("x").Target("db.*").MaxTriggers(3).Then(
                                faultline::Exception("x").MaxTriggers(2)));
  EXPECT_NE(IssueExample(), faultline::Off("x").Target("db.*").MaxTriggers(3).Then(
                                faultline::Exception("x").MaxTriggers(3)).Then(
                                faultline::Delay("x", 10ms)));
}

// Thread filters.

TEST(ThreadFilterTest, OnCurrentThreadFiresOnlyThere) {
  FaultInjector injector;
  injector.AddRule(faultline::Exception("mine").Target("t").OnCurrentThread());
  bool thrown_elsewhere = false;
  std::thread other([&] {
    try {
      injector.CheckAndInject("t");
    } catch (const faultline::InjectedFault&) {
      thrown_elsewhere = true;
    }
  });
  other.join();
  EXPECT_FALSE(thrown_elsewhere);
  EXPECT_THROW(injector.CheckAndInject("t"), faultline::InjectedFault);
  const auto events = injector.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].thread, std::this_thread::get_id());
}

TEST(ThreadFilterTest, OnThreadFiresOnlyOnThatThread) {
  FaultInjector injector;
  std::atomic<bool> go{false};
  std::atomic<int> thrown{0};
  const auto worker = [&] {
    while (!go.load()) std::this_thread::yield();
    for (int i = 0; i < 100; ++i) {
      try {
        injector.CheckAndInject("t");
      } catch (const faultline::InjectedFault&) {
        ++thrown;
      }
    }
  };
  std::thread a(worker);
  std::thread b(worker);
  const std::thread::id b_id = b.get_id();
  injector.AddRule(faultline::Exception("b-only").Target("t").OnThread(b_id));
  go = true;
  a.join();
  b.join();
  EXPECT_EQ(thrown.load(), 100);
  for (const faultline::FaultEvent& event : injector.Events()) {
    EXPECT_EQ(event.thread, b_id);
  }
  EXPECT_EQ(faultline::Exception("x").OnThread(std::thread::id()), faultline::Exception("x"));
}

// Runs `body` on a new thread named `name`.
template <class F>
void OnThreadNamed(const char* name, F body) {
  std::thread thread([&] {
    pthread_setname_np(pthread_self(), name);
    body();
  });
  thread.join();
}

TEST(ThreadFilterTest, OnThreadsNamedMatchesTheNameGlob) {
  FaultInjector injector;
  injector.AddRule(faultline::Exception("compaction").Target("t").OnThreadsNamed("compaction*"));
  injector.AddRule(ParseRules("flush=t:exception@thread({flush,wal}-?)").at(0));
  const auto rule_on = [&](const char* name) {
    std::string fired = "none";
    OnThreadNamed(name, [&] {
      try {
        injector.CheckAndInject("t");
      } catch (const faultline::InjectedFault& fault) {
        fired = fault.rule();
      }
    });
    return fired;
  };
  EXPECT_EQ(rule_on("compaction-1"), "compaction");
  EXPECT_EQ(rule_on("compaction"), "compaction");
  EXPECT_EQ(rule_on("flush-1"), "flush");
  EXPECT_EQ(rule_on("wal-2"), "flush");
  EXPECT_EQ(rule_on("flush-12"), "none");
  EXPECT_EQ(rule_on("reader"), "none");
}

TEST(ThreadFilterTest, ManyNamedThreadsFireOnlyWhereTheyMatch) {
  FaultInjector injector;
  injector.AddRule(faultline::Exception("c").Target("t").OnThreadsNamed("compaction*"));
  std::atomic<int> thrown{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      pthread_setname_np(pthread_self(), i % 2 == 0 ? "compaction" : "reader");
      for (int call = 0; call < 200; ++call) {
        try {
          injector.CheckAndInject("t");
        } catch (const faultline::InjectedFault&) {
          ++thrown;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(thrown.load(), 400);
}

TEST(ThreadFilterTest, NamesHaveATextFormAndIdsDoNot) {
  const FaultConfig named = faultline::Exception("c").Target("t").OnThreadsNamed("compaction*");
  EXPECT_EQ(ToString(named), "c=t:exception@thread(compaction*)");
  EXPECT_EQ(ParseRules(ToString(named)).at(0), named);
  EXPECT_EQ(ParseRules("c=t:exception@thread( \"odd name\" )").at(0).thread_name(), "odd name");
  try {
    ToString(faultline::Exception("c").OnCurrentThread());
    ADD_FAILURE() << "printed";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "faultline: rule \"c\": a thread-id filter (OnThread, OnCurrentThread) has no "
                 "text form");
  }
  EXPECT_THROW(faultline::Exception("c").OnThreadsNamed(""), std::invalid_argument);
  EXPECT_NE(faultline::Exception("c").OnCurrentThread(), faultline::Exception("c"));
}

TEST(ThreadFilterTest, AThreadFilterAppliesToTheWholeChain) {
  FaultInjector injector;
  faultline::VirtualClock clock;
  injector.SetClock(&clock);
  injector.AddRule(ParseRules("x=t:1*exception@thread(worker)->delay(1ms)").at(0));
  std::string on_worker;
  OnThreadNamed("worker", [&] { on_worker = Outcomes(injector, clock, "t", 3); });
  EXPECT_EQ(Outcomes(injector, clock, "t", 2), "pp");
  EXPECT_EQ(on_worker, "edd");
}

}  // namespace
