#include "faultline/point.hpp"

#include <gtest/gtest.h>

int CompiledOutRead();  // point_disabled_test.cpp, built with FAULTLINE_DISABLED

namespace {

int ReadBlock() {
  if (FAULTLINE_POINT("db.read")) return -5;
  return 0;
}

TEST(PointTest, UsesTheCurrentInjector) {
  faultline::FaultInjector injector;
  faultline::CurrentInjector use(injector);
  EXPECT_EQ(&faultline::Current(), &injector);
  EXPECT_EQ(ReadBlock(), 0);  // call 1, counted although no rule exists yet
  injector.AddRule(faultline::Return("eio", -5).Target("db.*").OnCalls({2}));
  EXPECT_EQ(ReadBlock(), -5);
  EXPECT_EQ(ReadBlock(), 0);
  ASSERT_EQ(injector.Events().size(), 1u);
  EXPECT_EQ(injector.Events()[0].target, "db.read");
  EXPECT_EQ(injector.Events()[0].call, 2u);
}

TEST(PointTest, ThrowsExceptionFaults) {
  faultline::FaultInjector injector;
  faultline::CurrentInjector use(injector);
  injector.AddRule(faultline::Exception("boom").Target("db.read"));
  EXPECT_THROW(ReadBlock(), faultline::InjectedFault);
}

TEST(PointTest, SwitchingInjectorsSwitchesRulesAndCounters) {
  faultline::FaultInjector first, second;
  first.AddRule(faultline::Return("eio", -5).Target("db.read"));
  {
    faultline::CurrentInjector use(first);
    EXPECT_EQ(ReadBlock(), -5);
    {
      faultline::CurrentInjector inner(second);
      EXPECT_EQ(ReadBlock(), 0);
    }
    EXPECT_EQ(ReadBlock(), -5);
  }
  EXPECT_EQ(first.Stats().calls_per_target.at("db.read"), 2u);
  EXPECT_NE(&faultline::Current(), &first);
}

TEST(PointTest, DestroyingTheCurrentInjectorFallsBackToTheDefault) {
  faultline::FaultInjector& fallback = faultline::Current();
  {
    faultline::FaultInjector temporary;
    faultline::SetCurrent(&temporary);
    temporary.AddRule(faultline::Exception("boom").Target("db.read"));
  }
  EXPECT_EQ(&faultline::Current(), &fallback);
  EXPECT_EQ(ReadBlock(), 0);
}

TEST(PointTest, CompiledOutPointsNeverFire) {
  faultline::FaultInjector injector;
  faultline::CurrentInjector use(injector);
  injector.AddRule(faultline::Exception("boom").Target("*"));
  EXPECT_EQ(CompiledOutRead(), 0);
  EXPECT_EQ(injector.Stats().total_calls, 0u);
}

}  // namespace
