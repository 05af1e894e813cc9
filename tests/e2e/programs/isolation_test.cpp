// A user's test program whose tests would break each other if per-test state leaked: run by
// the end-to-end tests in every order (--gtest_shuffle --gtest_repeat) and with flag rules.
#include <faultline/gtest.hpp>

namespace {

int Work(int x) { return x + 1; }

// Turns injection off for itself only.
TEST(Isolation, DisablesInjectionForItself) {
  faultline::Current().Disable();
  faultline::Current().SetEventLimit(1);
  EXPECT_FALSE(faultline::Current().enabled());
}

// Needs injection on and the default event limit, whatever ran before.
FAULTLINE_TEST(Injecting, WhateverRanBefore,
               faultline::Expected(faultline::Exception("boom").Target("isolation.work"), 3)) {
  auto work = Injector().Wrap("isolation.work", &Work);
  for (int i = 0; i < 3; ++i) EXPECT_THROW(work(i), faultline::InjectedFault);
  EXPECT_EQ(Events().size(), 3u);
}

// Its scoped rule fires on call 2 of its target, whichever rules the command line adds.
TEST(Isolation, OrdinalsIgnoreOtherRules) {
  auto& injector = faultline::Current();
  auto work = injector.Wrap("isolation.ordinal", &Work);
  EXPECT_EQ(work(0), 1);  // call 1, before the rule exists
  auto scope = injector.Scope({faultline::Return("second", -1).Target("isolation.ordinal").OnCalls({2})});
  EXPECT_EQ(work(0), -1);  // call 2
  EXPECT_EQ(work(0), 1);
}

// Between tests no rule is armed: a suite set-up calling a target that other tests break
// gets the real call.
class Unarmed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_up_armed_ = faultline::Current().armed();
    auto work = faultline::Current().Wrap("isolation.work", &Work);
    set_up_result_ = work(1);
  }
  static bool set_up_armed_;
  static int set_up_result_;
};
bool Unarmed::set_up_armed_ = true;
int Unarmed::set_up_result_ = 0;

TEST_F(Unarmed, SuiteSetUpRanWithoutRules) {
  EXPECT_FALSE(set_up_armed_);
  EXPECT_EQ(set_up_result_, 2);
}

}  // namespace
