// faultline: time. Delays and timeouts go through a Clock so that tests can use virtual time.
#pragma once

#include <atomic>
#include <chrono>

#include "faultline/export.hpp"

namespace faultline {

// Where injected delays are spent. Implementations must be thread-safe.
class FAULTLINE_API Clock {
 public:
  virtual ~Clock() = default;
  // Time since the clock's epoch.
  virtual std::chrono::nanoseconds Now() const = 0;
  // Waits `duration` (a non-positive duration returns at once).
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for. The default clock.
class FAULTLINE_API RealClock final : public Clock {
 public:
  std::chrono::nanoseconds Now() const override;
  void SleepFor(std::chrono::nanoseconds duration) override;
  // The process-wide instance; never destroyed.
  static RealClock& Instance();
};

// Simulated time: SleepFor advances Now() by the duration and returns at once, so timeout
// paths run in microseconds. Starts at zero; saturates at the largest (and smallest)
// representable time instead of wrapping.
class FAULTLINE_API VirtualClock final : public Clock {
 public:
  std::chrono::nanoseconds Now() const override;
  void SleepFor(std::chrono::nanoseconds duration) override;
  // Moves time forward without sleeping.
  void Advance(std::chrono::nanoseconds duration);

 private:
  std::atomic<std::chrono::nanoseconds::rep> now_{0};
};

}  // namespace faultline
