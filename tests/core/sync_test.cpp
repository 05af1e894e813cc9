// Sync points: pause and wait rules hold real threads, Release and Reset free them, and every
// hold ends in a timeout that is reported instead of hanging the run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faultline/clock.hpp"
#include "faultline/faultline.hpp"
#include "faultline/internal/call_context.hpp"
#include "faultline/point.hpp"
#include "faultline/rules.hpp"

namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Problems a previous test left behind must not be blamed on this one.
class SyncTest : public ::testing::Test {
 protected:
  SyncTest() { faultline::internal::TakeProblems(); }
  faultline::FaultInjector injector_{7};
};

TEST_F(SyncTest, AWaitIsForOneExactTarget) {
  EXPECT_THROW(faultline::Wait("w", "db.*"), std::invalid_argument);
  EXPECT_THROW(injector_.WaitForHit("db.{read,write}", 1, 1ms), std::invalid_argument);
}

TEST_F(SyncTest, ASyncPointHoldsForTheSyncTimeoutWhateverBuiltIt) {
  EXPECT_EQ(faultline::FaultConfig("p", faultline::FaultType::kPause).delay(),
            faultline::kDefaultSyncTimeout);
  EXPECT_EQ(faultline::Pause("p").delay(), faultline::kDefaultSyncTimeout);
  EXPECT_EQ(faultline::ParseRules("w=B:wait(A)").at(0).delay(), faultline::kDefaultSyncTimeout);
}

TEST_F(SyncTest, APausedCallRunsOnlyAfterRelease) {
  injector_.AddRule(faultline::Pause("hold").Target("db.write"));
  std::atomic<bool> written{false};
  auto write = injector_.Wrap("db.write", [&] { written = true; });
  std::thread writer([&] { write(); });

  EXPECT_TRUE(injector_.WaitForHit("db.write"));
  EXPECT_FALSE(written);  // parked at the target, before the real call
  injector_.Release("hold");
  writer.join();
  EXPECT_TRUE(written);
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, AReleaseBeforeTheThreadParksLetsItGoOn) {
  injector_.AddRule(faultline::Pause("hold").Target("db.write"));
  EXPECT_EQ(injector_.Release("hold"), 0u);
  std::thread writer([&] { injector_.CheckAndInject("db.write"); });
  writer.join();
  EXPECT_EQ(injector_.Stats().faults_per_rule["hold"], 1u);
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, APauseRuleAddedAgainParksAgain) {
  injector_.AddRule(faultline::Pause("hold").Target("db.write"));
  injector_.Release("hold");
  injector_.RemoveRule("hold");
  injector_.AddRule(faultline::Pause("hold").Target("db.write"));
  std::atomic<bool> written{false};
  auto write = injector_.Wrap("db.write", [&] { written = true; });
  std::thread writer([&] { write(); });
  EXPECT_TRUE(injector_.WaitForHit("db.write"));
  EXPECT_FALSE(written);
  injector_.Release("hold");
  writer.join();
  EXPECT_TRUE(written);
}

TEST_F(SyncTest, AWaitRuleHoldsATargetUntilAnotherIsReached) {
  // "B waits for A", as LoadDependency({{"A", "B"}}): B's thread starts first, yet runs second.
  injector_.AddRule(faultline::Wait("a-then-b", "A").Target("B"));
  std::mutex mutex;
  std::vector<std::string> order;
  auto log = [&](const char* what) {
    std::lock_guard<std::mutex> lock(mutex);
    order.push_back(what);
  };
  std::thread b([&] {
    injector_.CheckAndInject("B");
    log("B");
  });
  EXPECT_TRUE(injector_.WaitForHit("B"));
  std::thread a([&] {
    log("before A");
    injector_.CheckAndInject("A");
  });
  a.join();
  b.join();
  EXPECT_THAT(order, ElementsAre("before A", "B"));
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, AWaitRuleHoldsAFaultPointOfTheCurrentInjector) {
  faultline::CurrentInjector current(injector_);
  injector_.AddRule(faultline::ParseRules("w=B:wait(A)").at(0));
  std::atomic<bool> after_b{false};
  std::thread b([&] {
    static_cast<void>(FAULTLINE_POINT("B"));
    after_b = true;
  });
  EXPECT_TRUE(injector_.WaitForHit("B"));
  EXPECT_FALSE(after_b);
  static_cast<void>(FAULTLINE_POINT("A"));
  b.join();
  EXPECT_TRUE(after_b);
}

TEST_F(SyncTest, AWaitThatTimesOutFailsNamingBothPointsAndGoesOn) {
  injector_.AddRule(faultline::Wait("w", "never.reached").Target("B").Delay(20ms));
  std::thread b([&] { injector_.CheckAndInject("B"); });
  b.join();
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre(AllOf(HasSubstr("rule \"w\" on target \"B\""),
                                HasSubstr("waited 20ms for a thread to reach \"never.reached\""))));
}

TEST_F(SyncTest, AnUnreleasedPauseTimesOutNamingTheRuleAndGoesOn) {
  injector_.AddRule(faultline::Pause("hold").Target("db.write").Delay(20ms));
  std::thread writer([&] { injector_.CheckAndInject("db.write"); });
  writer.join();
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre(AllOf(HasSubstr("rule \"hold\" on target \"db.write\""),
                                HasSubstr("not released (Release(\"hold\")) within 20ms"))));
}

TEST_F(SyncTest, HoldsRunOnRealTimeUnderAVirtualClock) {
  faultline::VirtualClock clock;
  injector_.SetClock(&clock);
  injector_.AddRule(faultline::Pause("hold").Target("db.write").Delay(20ms));
  std::thread writer([&] { injector_.CheckAndInject("db.write"); });
  writer.join();  // ends by the real-time timeout although virtual time never moves
  EXPECT_EQ(faultline::internal::TakeProblems().size(), 1u);
}

TEST_F(SyncTest, ResetReleasesEveryParkedThreadWithoutAFailure) {
  injector_.AddRule(faultline::Pause("hold").Target("p"));
  injector_.AddRule(faultline::Wait("w", "never.reached").Target("w"));
  std::thread paused([&] { injector_.CheckAndInject("p"); });
  std::thread waiting([&] { injector_.CheckAndInject("w"); });
  EXPECT_TRUE(injector_.WaitForHit("p"));
  EXPECT_TRUE(injector_.WaitForHit("w"));
  injector_.Reset();
  paused.join();
  waiting.join();
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, TheEndOfAScopeReleasesTheThreadsItsPauseParked) {
  std::thread paused;
  {
    auto scope = injector_.Scope({faultline::Pause("hold").Target("p")});
    paused = std::thread([&] { injector_.CheckAndInject("p"); });
    EXPECT_TRUE(injector_.WaitForHit("p"));
  }
  paused.join();
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, WaitForHitReturnsOnceTheNthCallIsMade) {
  auto call = injector_.Wrap("call", [] {});
  std::thread caller([&] {
    for (int i = 0; i < 3; ++i) call();
  });
  EXPECT_TRUE(injector_.WaitForHit("call", 3));
  caller.join();
  EXPECT_THAT(faultline::internal::TakeProblems(), IsEmpty());
}

TEST_F(SyncTest, WaitForHitThatTimesOutFailsSayingHowFarTheTargetGot) {
  injector_.CheckAndInject("call");
  EXPECT_FALSE(injector_.WaitForHit("call", 2, 10ms));
  EXPECT_THAT(faultline::internal::TakeProblems(),
              ElementsAre("faultline: WaitForHit(\"call\", 2) timed out after 10ms: the target "
                          "was called 1 time"));
}

TEST(SyncRules, PauseAndWaitHaveATextForm) {
  const std::vector<faultline::FaultConfig> rules =
      faultline::ParseRules("p=db.write:pause; q=x:1*pause(2s); w=B:wait(ns::A); "
                            "v=B:wait(A)@delay(500ms)");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0], faultline::Pause("p").Target("db.write"));
  EXPECT_EQ(rules[1], faultline::Pause("q").Target("x").MaxTriggers(1).Delay(2s));
  EXPECT_EQ(rules[2], faultline::Wait("w", "ns::A").Target("B"));
  EXPECT_EQ(rules[3], faultline::Wait("v", "A").Target("B").Delay(500ms));
  EXPECT_EQ(faultline::ToString(rules[0]), "p=db.write:pause");
  EXPECT_EQ(faultline::ToString(rules[1]), "q=x:1*pause(2s)");
  EXPECT_EQ(faultline::ToString(rules[2]), "w=B:wait(ns::A)");
  EXPECT_EQ(faultline::ToString(rules[3]), "v=B:wait(A)@delay(500ms)");
  for (const auto& rule : rules) {
    EXPECT_EQ(faultline::ParseRules(faultline::ToString(rule)).at(0), rule);
  }
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kPause), "pause");
  EXPECT_STREQ(faultline::ToString(faultline::FaultType::kWait), "wait");
}

TEST(SyncRules, BadWaitRulesAreReportedAtTheValue) {
  auto error = [](const std::string& spec) {
    try {
      faultline::ParseRules(spec);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("w=B:wait"),
            "faultline: rules:1:9: expected '(' and the target to wait for after \"wait\", got "
            "end of input");
  EXPECT_EQ(error("w=B:wait()"),
            "faultline: rules:1:10: rule \"w\": the target to wait for must not be empty");
  EXPECT_EQ(error("p=pause(soon)"),
            "faultline: rules:1:9: expected a duration (e.g. 10ms, 1.5s) after \"pause(\", got "
            "\"soon\"");
  EXPECT_THROW(faultline::Wait("w", ""), std::invalid_argument);
  faultline::FaultInjector injector;
  try {
    injector.AddRule(faultline::FaultConfig("w", faultline::FaultType::kWait));
    ADD_FAILURE() << "a wait rule without a target was installed";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "faultline: rule \"w\": a wait rule needs the target to wait for (After), got none");
  }
  try {
    faultline::Delay("d", 1ms).After("A");
    ADD_FAILURE() << "After on a delay rule was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "faultline: rule \"d\": After applies to wait rules only, got a delay rule");
  }
}

}  // namespace
