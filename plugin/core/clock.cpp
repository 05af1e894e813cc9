#include "faultline/clock.hpp"

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
  now_.fetch_add(duration.count(), std::memory_order_acq_rel);
}

}  // namespace faultline
