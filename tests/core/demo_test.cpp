// The demo's report for seed 42 is stable: same numbers on every run and platform.
#include <gtest/gtest.h>

#include <sstream>

#include "demo.hpp"

namespace {

TEST(DemoTest, Seed42GivesTheSameNumbersEveryRun) {
  std::ostringstream first_out, second_out;
  const demo::DemoResult first = demo::RunDemo(42, first_out);
  const demo::DemoResult second = demo::RunDemo(42, second_out);
  ASSERT_EQ(first.stats.rules.size(), 2u);
  const auto& api = first.stats.rules[0];
  const auto& db = first.stats.rules[1];
  EXPECT_EQ(api.name, "api-error");
  EXPECT_EQ(api.checks, 20u);
  EXPECT_EQ(db.name, "db-delay");
  EXPECT_EQ(db.checks, 20u);
  EXPECT_EQ(first.api_failures, static_cast<int>(api.triggers));
  EXPECT_EQ(api.triggers, second.stats.rules[0].triggers);
  EXPECT_EQ(db.triggers, second.stats.rules[1].triggers);
  EXPECT_EQ(first.corrupted, second.corrupted);
  EXPECT_EQ(first_out.str().substr(0, first_out.str().find("fault events")),
            second_out.str().substr(0, second_out.str().find("fault events")));
  // The figures printed by `cmake --workflow --preset demo`.
  EXPECT_EQ(api.triggers, 5u);
  EXPECT_EQ(db.triggers, 5u);
  EXPECT_NE(first.corrupted, first.original);
}

}  // namespace
