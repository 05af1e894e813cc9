#include "faultline/clock.hpp"

#include <limits>
#include <thread>

namespace faultline {

std::chrono::nanoseconds RealClock::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

void RealClock::SleepFor(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}

RealClock& RealClock::Instance() {
  static RealClock* clock = new RealClock();  // leaked: usable from any static destructor
  return *clock;
}

std::chrono::nanoseconds VirtualClock::Now() const {
  return std::chrono::nanoseconds(now_.load(std::memory_order_acquire));
}

void VirtualClock::SleepFor(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) Advance(duration);
}

void VirtualClock::Advance(std::chrono::nanoseconds duration) {
  using Rep = std::chrono::nanoseconds::rep;
  // Saturates instead of wrapping: two maximal delays would otherwise make time negative.
  Rep now = now_.load(std::memory_order_relaxed);
  Rep next;
  do {
    if (duration.count() > 0 && now > std::numeric_limits<Rep>::max() - duration.count()) {
      next = std::numeric_limits<Rep>::max();
    } else if (duration.count() < 0 && now < std::numeric_limits<Rep>::min() - duration.count()) {
      next = std::numeric_limits<Rep>::min();
    } else {
      next = now + duration.count();
    }
  } while (!now_.compare_exchange_weak(now, next, std::memory_order_acq_rel, std::memory_order_relaxed));
}

}  // namespace faultline
