// A user's test program linked with GTest::gtest_main instead of faultline::gtest_main: nothing
// calls faultline::Init, so its fault tests must fail saying so, never pass having injected
// nothing.
#include <faultline/gtest.hpp>

namespace {

FAULTLINE_TEST(Uninitialized, AnnotatedTest,
               faultline::Expected(faultline::Exception("boom").Target("uninitialized.work"))) {
  SUCCEED();
}

class Fixture : public faultline::FaultTest {};
TEST_F(Fixture, UsesTheFixture) { SUCCEED(); }

TEST(Plain, NeedsNoFaults) { SUCCEED(); }

}  // namespace
