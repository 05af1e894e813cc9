#include <faultline/gtest.hpp>

FAULTLINE_TEST(Consumer, GetsItsRules, faultline::Expected(faultline::Return("r", 7).Target("f"))) {
  auto f = Injector().Wrap("f", [] { return 1; });
  EXPECT_EQ(f(), 7);
}
