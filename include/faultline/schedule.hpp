// faultline: fault schedules. A schedule is an explicit list of decisions "rule R fires on call k
// of target T" that an injector follows instead of rolling dice, so any run can be replayed
// exactly and a failing run can be shrunk to the faults that matter.
//
//   faultline::FaultInjector injector;
//   injector.AddRule(faultline::Exception("gw").Target("Gateway::Charge").Probability(0.3));
//   RunCheckout(injector);
//   auto schedule = faultline::Schedule::FromEvents(injector.Events());
//   schedule.ToString();  // "gw=Gateway::Charge@3,gw=Gateway::Charge@7"
//   injector.Reset();
//   injector.AddRule(faultline::Exception("gw").Target("Gateway::Charge").Probability(0.3));
//   injector.Replay(faultline::Schedule::Parse("gw=Gateway::Charge@3"));
//   RunCheckout(injector);  // exactly one fault: the 3rd charge throws
//
// An entry may also cover a range of calls, an outage: `gw=Gateway::Charge@3-5` fails calls 3,
// 4 and 5 and then recovers; `gw=Gateway::Charge@3-` fails call 3 and every later call.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "faultline/export.hpp"
#include "faultline/fault.hpp"
#include "faultline/rules.hpp"

namespace faultline {

// One scheduled decision: rule `rule` fires on the `call`-th (1-based) call of `target`, or,
// for an outage, on every call from `call` to `last`.
struct ScheduledFault {
  // The `last` of an outage that never recovers: every call from `call` on fails.
  static constexpr std::uint64_t kEveryLaterCall = std::numeric_limits<std::uint64_t>::max();

  std::string rule;        // the name of an installed rule
  std::string target;      // a site name (not a glob)
  std::uint64_t call = 0;  // 1-based ordinal on that target; an outage's first call
  // An outage's last call (>= call), kEveryLaterCall for one without end; 0 for `call` alone.
  std::uint64_t last = 0;

  // The last call the fault fires on: `call` for a single call.
  std::uint64_t last_call() const { return last == 0 ? call : last; }
  // True when the fault fires on call `ordinal`.
  bool Covers(std::uint64_t ordinal) const { return ordinal >= call && ordinal <= last_call(); }

  // Equal when they fire on the same calls of the same target with the same rule (`last` 0
  // and `last` == `call` are the same single call).
  friend bool operator==(const ScheduledFault& a, const ScheduledFault& b) {
    return a.rule == b.rule && a.target == b.target && a.call == b.call &&
           a.last_call() == b.last_call();
  }
  friend bool operator!=(const ScheduledFault& a, const ScheduledFault& b) { return !(a == b); }
  // Orders by target, then first call, then last call, then rule: the order of a Schedule.
  friend FAULTLINE_API bool operator<(const ScheduledFault& a, const ScheduledFault& b);
};

// A set of scheduled faults, sorted by target and call, at most one per call of a target.
// A value type; the empty schedule injects nothing.
class FAULTLINE_API Schedule {
 public:
  Schedule() = default;
  // The faults in `faults`, sorted. Throws std::invalid_argument when two of them cover a same
  // call of the same target, or one has call 0, a `last` below its `call` (but 0), or an empty
  // rule or target.
  explicit Schedule(std::vector<ScheduledFault> faults);

  // The schedule of the faults a run injected (FaultInjector::Events()); replaying it with the
  // same rules and seed repeats the run's faults exactly.
  static Schedule FromEvents(const std::vector<FaultEvent>& events);

  // Parses the text form written by ToString(): `rule=target@call` entries separated by ',',
  // or "none" (or "") for the empty schedule; in a target, '\' escapes the next character.
  // An outage is `rule=target@first-last` (calls first to last, last >= first) or
  // `rule=target@first-` (call first and every later call).
  // Throws faultline::RuleSyntaxError (a std::invalid_argument, origin "schedule") naming the
  // column, the offending text and what was expected.
  static Schedule Parse(std::string_view text);

  // One compact line, e.g. "gw=Gateway::Charge@3,slow=Ledger::Record@5-8,down=db.read@2-";
  // "none" when empty.
  // Backslash-escapes '\', ',', '@' and spaces in targets, so Parse(ToString()) == *this.
  std::string ToString() const;

  const std::vector<ScheduledFault>& faults() const { return faults_; }
  bool empty() const { return faults_.empty(); }
  std::size_t size() const { return faults_.size(); }
  auto begin() const { return faults_.begin(); }
  auto end() const { return faults_.end(); }

  friend bool operator==(const Schedule& a, const Schedule& b) { return a.faults_ == b.faults_; }
  friend bool operator!=(const Schedule& a, const Schedule& b) { return !(a == b); }

 private:
  std::vector<ScheduledFault> faults_;
};

}  // namespace faultline
