// Fault schedules: the text form, its errors, and replaying a schedule on an injector.
#include "faultline/schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "faultline/faultline.hpp"

namespace faultline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ParseError(const std::string& text) {
  try {
    Schedule::Parse(text);
  } catch (const RuleSyntaxError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Schedule, IsSortedByTargetThenCall) {
  const Schedule schedule({{"slow", "Ledger::Record", 5}, {"gw", "Gateway::Charge", 3},
                           {"gw", "Gateway::Charge", 1}});
  EXPECT_EQ(schedule.ToString(), "gw=Gateway::Charge@1,gw=Gateway::Charge@3,slow=Ledger::Record@5");
}

TEST(Schedule, TextFormRoundTrips) {
  for (const Schedule& schedule :
       {Schedule(), Schedule({{"a", "t", 1}}),
        Schedule({{"gw-503", "Gateway::Charge", 3}, {"db.slow/2", "db.read", 18446744073709551615u}}),
        Schedule({{"odd", "a,b@c\\d e", 2}})}) {
    EXPECT_EQ(Schedule::Parse(schedule.ToString()), schedule) << schedule.ToString();
  }
}

TEST(Schedule, EmptyScheduleIsNone) {
  EXPECT_EQ(Schedule().ToString(), "none");
  EXPECT_TRUE(Schedule::Parse("none").empty());
  EXPECT_TRUE(Schedule::Parse("").empty());
}

TEST(Schedule, ParseAcceptsSpacesAroundEntries) {
  EXPECT_EQ(Schedule::Parse(" a=t@1 , b=u@2 "), Schedule({{"a", "t", 1}, {"b", "u", 2}}));
}

TEST(Schedule, ParseErrorsNameColumnTextAndExpectation) {
  EXPECT_EQ(ParseError("gw=Gateway::Charge@x"),
            "faultline: schedule:1:20: expected a call ordinal >= 1 after '@', got \"x\"");
  EXPECT_EQ(ParseError("gw=Gateway::Charge@0"),
            "faultline: schedule:1:20: expected a call ordinal >= 1 after '@', got \"0\"");
  EXPECT_EQ(ParseError("gw=Gateway::Charge"),
            "faultline: schedule:1:19: expected '@' and a call ordinal after the target, got the end");
  EXPECT_EQ(ParseError("gw Gateway@1"),
            "faultline: schedule:1:3: expected '=' after rule name \"gw\", got \" Gateway@1\"");
  EXPECT_EQ(ParseError("=t@1"),
            "faultline: schedule:1:1: expected a rule name (letters, digits and \"_.-/\"), got \"=t@1\"");
  EXPECT_EQ(ParseError("a=t@1;b=t@2"),
            "faultline: schedule:1:6: expected ',' or the end after a call ordinal, got \";b=t@2\"");
  EXPECT_EQ(ParseError("a=t@1,b=t@1"),
            "faultline: schedule:1:7: call 1 of target \"t\" is scheduled twice, got \"b=t@1\"");
  EXPECT_EQ(ParseError("a=@1"), "faultline: schedule:1:3: expected a target after '=', got \"@1\"");
  EXPECT_THAT(ParseError("a=t@99999999999999999999"), HasSubstr("1:5: expected a call ordinal"));
}

TEST(Schedule, ParseErrorIsAnInvalidArgument) {
  EXPECT_THROW(Schedule::Parse("oops"), std::invalid_argument);
}

TEST(Schedule, RejectsTwoFaultsOnOneCall) {
  try {
    Schedule({{"a", "t", 2}, {"b", "t", 2}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "faultline: schedule: call 2 of target \"t\" is scheduled twice (rules \"a\" and "
                 "\"b\"); expected one fault per call");
  }
  EXPECT_THROW(Schedule({{"a", "t", 0}}), std::invalid_argument);
}

TEST(Schedule, OutagesRoundTripThroughTheTextForm) {
  const Schedule schedule({{"down", "db.read", 2, ScheduledFault::kEveryLaterCall},
                           {"gw", "Gateway::Charge", 3, 5},
                           {"gw", "Gateway::Charge", 7}});
  EXPECT_EQ(schedule.ToString(), "gw=Gateway::Charge@3-5,gw=Gateway::Charge@7,down=db.read@2-");
  EXPECT_EQ(Schedule::Parse(schedule.ToString()), schedule);
  EXPECT_EQ(Schedule::Parse("a=t@3-5").faults().front().last_call(), 5u);
  EXPECT_EQ(Schedule::Parse("a=t@3-").faults().front().last_call(), ScheduledFault::kEveryLaterCall);
  // A range of one call is that call, and an end at the largest ordinal is no end.
  EXPECT_EQ(Schedule::Parse("a=t@4-4"), Schedule({{"a", "t", 4}}));
  EXPECT_EQ(Schedule::Parse("a=t@4-4").ToString(), "a=t@4");
  EXPECT_EQ(Schedule::Parse("a=t@4-18446744073709551615").ToString(), "a=t@4-");
  EXPECT_EQ(Schedule::Parse(" a=t@1-2 , b=t@3- "),
            Schedule({{"a", "t", 1, 2}, {"b", "t", 3, ScheduledFault::kEveryLaterCall}}));
}

TEST(Schedule, OutagesCoverTheirCalls) {
  const ScheduledFault recovering{"gw", "t", 3, 5};
  const ScheduledFault persistent{"gw", "t", 3, ScheduledFault::kEveryLaterCall};
  const ScheduledFault single{"gw", "t", 3};
  EXPECT_FALSE(recovering.Covers(2));
  EXPECT_TRUE(recovering.Covers(3));
  EXPECT_TRUE(recovering.Covers(5));
  EXPECT_FALSE(recovering.Covers(6));
  EXPECT_TRUE(persistent.Covers(18446744073709551615u));
  EXPECT_TRUE(single.Covers(3));
  EXPECT_FALSE(single.Covers(4));
}

TEST(Schedule, BadRangesAreErrorsNamingColumnAndExpectation) {
  EXPECT_EQ(ParseError("a=t@5-3"),
            "faultline: schedule:1:7: expected the outage's last call (>= 5) or nothing after "
            "'-', got \"3\"");
  EXPECT_THAT(ParseError("a=t@5-99999999999999999999"), HasSubstr("1:7: expected the outage's last call"));
  EXPECT_EQ(ParseError("a=t@5-x"),
            "faultline: schedule:1:7: expected ',' or the end after a call ordinal, got \"x\"");
  EXPECT_EQ(ParseError("a=t@-5"),
            "faultline: schedule:1:5: expected a call ordinal >= 1 after '@', got \"-5\"");
  EXPECT_EQ(ParseError("a=t@3-5,b=t@5"),
            "faultline: schedule:1:9: call 5 of target \"t\" overlaps calls 3-5 of target \"t\", "
            "got \"b=t@5\"");
  EXPECT_EQ(ParseError("a=t@9,b=t@2-"),
            "faultline: schedule:1:7: calls from 2 on of target \"t\" overlaps call 9 of target "
            "\"t\", got \"b=t@2-\"");
  EXPECT_NO_THROW(Schedule::Parse("a=t@3-5,b=t@6-,c=u@4"));
}

TEST(Schedule, RejectsOverlappingOrReversedOutages) {
  try {
    Schedule({{"a", "t", 2, 4}, {"b", "t", 4, 6}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "faultline: schedule: calls 4-6 of target \"t\" overlaps calls 2-4 of target "
                 "\"t\" (rules \"a\" and \"b\"); expected one fault per call");
  }
  try {
    Schedule({{"a", "t", 5, 3}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(),
                 "faultline: schedule: rule \"a\" on target \"t\": an outage's last call must "
                 "be >= its first call 5, got 3");
  }
  EXPECT_THROW(Schedule({{"a", "t", 1, ScheduledFault::kEveryLaterCall}, {"b", "t", 1000}}),
               std::invalid_argument);
  EXPECT_NO_THROW(Schedule({{"a", "t", 1, 3}, {"b", "t", 4, ScheduledFault::kEveryLaterCall}}));
}

TEST(Schedule, FromEventsKeepsRuleTargetAndCall) {
  FaultInjector injector(7);
  injector.AddRule(Exception("boom").Target("work").OnCalls({2, 4}));
  auto work = injector.Wrap("work", [] { return 1; });
  for (int i = 0; i < 5; ++i) {
    try {
      work();
    } catch (const InjectedFault&) {
    }
  }
  EXPECT_EQ(Schedule::FromEvents(injector.Events()).ToString(), "boom=work@2,boom=work@4");
}

// What a run did, compared bit for bit between a run and its replay.
struct Trace {
  std::vector<std::string> log;
  std::vector<std::tuple<std::string, FaultType, std::string, std::uint64_t, std::uint64_t>> events;
  bool operator==(const Trace& other) const { return log == other.log && events == other.events; }
};

Trace RunWorkload(FaultInjector& injector) {
  Trace trace;
  auto fetch = injector.Wrap("fetch", [](int i) { return std::vector<int>{i, i * 2, i * 3}; });
  auto save = injector.Wrap("save", [](int i) { return i; });
  for (int i = 0; i < 60; ++i) {
    try {
      const std::vector<int> got = fetch(i);
      trace.log.push_back("fetch " + std::to_string(got[0]) + " " + std::to_string(got[1]) + " " +
                          std::to_string(got[2]));
      trace.log.push_back("save " + std::to_string(save(i)));
    } catch (const std::exception& error) {
      trace.log.push_back(error.what());
    }
  }
  for (const FaultEvent& event : injector.Events()) {
    trace.events.emplace_back(event.rule, event.type, event.target, event.call, event.sequence);
  }
  return trace;
}

void InstallRules(FaultInjector& injector) {
  injector.AddRule(Exception("fetch-fails").Target("fetch").Probability(0.2));
  injector.AddRule(Corruption("fetch-garbled").Target("fetch").Probability(0.2));
  injector.AddRule(Return("save-lost", -1).Target("save").Probability(0.3).MaxTriggers(5));
}

TEST(Replay, ReproducesARunBitForBit) {
  FaultInjector injector(1234);
  InstallRules(injector);
  const Trace original = RunWorkload(injector);
  const Schedule schedule = Schedule::FromEvents(injector.Events());
  ASSERT_GT(schedule.size(), 10u);

  injector.Reset();
  InstallRules(injector);
  injector.Replay(schedule);
  EXPECT_TRUE(injector.replaying());
  EXPECT_EQ(RunWorkload(injector), original);
  EXPECT_EQ(Schedule::FromEvents(injector.Events()), schedule);
}

TEST(Replay, IgnoresProbabilityConditionsAndLimits) {
  FaultInjector injector;
  injector.AddRule(Exception("never").Target("t").Probability(0).OnCalls({1}).MaxTriggers(1));
  injector.Replay(Schedule({{"never", "t", 2}, {"never", "t", 3}, {"never", "t", 5}}));
  std::vector<int> failed;
  for (int call = 1; call <= 6; ++call) {
    try {
      injector.CheckAndInject("t");
    } catch (const InjectedFault&) {
      failed.push_back(call);
    }
  }
  EXPECT_THAT(failed, ElementsAre(2, 3, 5));
}

TEST(Replay, AnOutageFailsEveryCallOfItsRangeThenRecovers) {
  FaultInjector injector;
  injector.AddRule(Exception("down").Target("t").Probability(0));
  injector.AddRule(Exception("gone").Target("u").Probability(0));
  injector.Replay(Schedule::Parse("down=t@3-5,down=t@8,gone=u@4-"));
  std::vector<int> failed_t;
  std::vector<int> failed_u;
  for (int call = 1; call <= 10; ++call) {
    try {
      injector.CheckAndInject("t");
    } catch (const InjectedFault&) {
      failed_t.push_back(call);
    }
    try {
      injector.CheckAndInject("u");
    } catch (const InjectedFault&) {
      failed_u.push_back(call);
    }
  }
  EXPECT_THAT(failed_t, ElementsAre(3, 4, 5, 8));
  EXPECT_THAT(failed_u, ElementsAre(4, 5, 6, 7, 8, 9, 10));
  EXPECT_EQ(Schedule::FromEvents(injector.Events()).size(), 11u);
}

TEST(Replay, KeepsTheOrderOfRulesAndSkipsUnscheduledOnes) {
  FaultInjector injector;
  injector.AddRule(Return("first", 1).Target("t"));
  injector.AddRule(Return("second", 2).Target("t"));
  injector.Replay(Schedule({{"second", "t", 1}, {"first", "t", 2}, {"missing", "t", 3}}));
  auto call = injector.Wrap("t", [] { return 0; });
  EXPECT_EQ(call(), 2);
  EXPECT_EQ(call(), 1);
  EXPECT_EQ(call(), 0);
}

TEST(Replay, StopReplayAndResetReturnToDice) {
  FaultInjector injector;
  injector.AddRule(Exception("always").Target("t"));
  injector.Replay(Schedule());
  EXPECT_NO_THROW(injector.CheckAndInject("t"));
  injector.StopReplay();
  EXPECT_FALSE(injector.replaying());
  EXPECT_THROW(injector.CheckAndInject("t"), InjectedFault);
  injector.Replay(Schedule());
  injector.Reset();
  EXPECT_FALSE(injector.replaying());
}

TEST(Replay, IsSafeWhileOtherThreadsCheck) {
  FaultInjector injector;
  injector.AddRule(Return("r", 1).Target("hot").Probability(0.5));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::atomic<long> fired{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      internal::Site& site = injector.Intern("hot");
      while (!stop.load()) {
        if (injector.Check(site)) fired.fetch_add(1);
      }
    });
  }
  // Until the checking threads have seen both modes many times.
  for (std::uint64_t i = 1; fired.load() < 1000; ++i) {
    injector.Replay(Schedule({{"r", "hot", i * 7}}));
    if (i % 3 == 0) injector.StopReplay();
    std::this_thread::yield();
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_GT(fired.load(), 0);
}

}  // namespace
}  // namespace faultline
