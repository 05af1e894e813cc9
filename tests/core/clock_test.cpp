#include "faultline/clock.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(VirtualClockTest, SleepAdvancesTimeWithoutWaiting) {
  faultline::VirtualClock clock;
  EXPECT_EQ(clock.Now(), 0ns);
  clock.SleepFor(3s);
  clock.Advance(250ms);
  clock.SleepFor(-1s);
  EXPECT_EQ(clock.Now(), 3250ms);
}

TEST(VirtualClockTest, SaturatesInsteadOfWrappingNegative) {
  faultline::VirtualClock clock;
  clock.SleepFor(std::chrono::nanoseconds::max());
  clock.SleepFor(std::chrono::nanoseconds::max());
  EXPECT_EQ(clock.Now(), std::chrono::nanoseconds::max());
  clock.Advance(-1ns);
  EXPECT_EQ(clock.Now(), std::chrono::nanoseconds::max() - 1ns);
  faultline::VirtualClock past;
  past.Advance(std::chrono::nanoseconds::min());
  past.Advance(-1s);
  EXPECT_EQ(past.Now(), std::chrono::nanoseconds::min());
}

TEST(VirtualClockTest, ConcurrentSleepsAddUp) {
  faultline::VirtualClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) clock.SleepFor(1ms);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(clock.Now(), 4s);
}

TEST(RealClockTest, SleepForWaitsAtLeastTheDuration) {
  auto& clock = faultline::RealClock::Instance();
  const auto before = clock.Now();
  clock.SleepFor(2ms);
  EXPECT_GE(clock.Now() - before, 2ms);
}

}  // namespace
