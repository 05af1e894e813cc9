// The injector states the bench binaries measure, shared by the Google Benchmark suite and the
// callgrind loop. The measured point is "db.read"; rules on other targets name
// "other.point.N".
#pragma once

#include <string>

#include "faultline/injector.hpp"

namespace faultline_bench {

// How rules on other targets name them.
enum class OtherTargets {
  kExact,     // "other.point.N"
  kGlob,      // "other.?oint.N"
  kOneGlob,   // a single rule on "other.point.*"
};

// Starts from an empty, enabled injector whose event log keeps `event_limit` events and which,
// as outside a test, counts calls only while a rule exists.
inline void ResetInjector(faultline::FaultInjector& injector, std::size_t event_limit = 10000) {
  injector.Reset();
  injector.Enable();
  injector.CountCalls(false);
  injector.SetEventLimit(event_limit);
}

// As inside a test: no rule anywhere, every call counted (call ordinals never depend on rules).
inline void InTestWithoutRules(faultline::FaultInjector& injector) {
  ResetInjector(injector);
  injector.CountCalls(true);
}

// Adds `count` kReturn rules, none of which matches "db.read".
inline void AddOtherRules(faultline::FaultInjector& injector, int count, OtherTargets targets) {
  if (targets == OtherTargets::kOneGlob) {
    injector.AddRule(faultline::Return("other", -1).Target("other.point.*"));
    return;
  }
  const std::string prefix = targets == OtherTargets::kExact ? "other.point." : "other.?oint.";
  for (int i = 0; i < count; ++i) {
    injector.AddRule(
        faultline::Return("other-" + std::to_string(i), -1).Target(prefix + std::to_string(i)));
  }
}

// Adds a kReturn rule on `target` that fires with `probability`.
inline void AddRuleOn(faultline::FaultInjector& injector, const std::string& target,
                      double probability) {
  injector.AddRule(faultline::Return("on-" + target, -5).Target(target).Probability(probability));
}

}  // namespace faultline_bench
