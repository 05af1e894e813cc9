// faultline: the engine. A FaultInjector holds rules and decides, call by call, which fault
// to inject.
//
//   faultline::FaultInjector injector(42);
//   injector.AddRule(faultline::Exception("api-error").Target("call_api").Probability(0.3));
//   auto call_api = injector.Wrap("call_api", [](int id) { return Fetch(id); });
//   call_api(7);  // throws faultline::InjectedFault on about 30% of calls
//   {
//     auto scope = injector.Scope({faultline::Delay("slow", 5ms).Target("call_api")});
//     call_api(8);  // delayed; the rule is removed when `scope` ends, also by an exception
//   }
//
// Determinism: whether rule R fires on the k-th call of target T is a pure function of
// (seed, R's name, T, k), whatever other targets, rules and threads do. The ordinal k of a call
// is its position among all calls of T since the last Reset() (or since the test started),
// whatever rules are installed.
// Hot path: a disarmed injector (disabled, or neither counting nor holding rules) costs one
// relaxed load per check; an armed one adds one load of the call site's own rule list and an
// increment of the site's call counter.
// Memory: bounded by what is installed. Rule lists and rules a change replaces are freed once
// no check can still read them (epoch-based reclamation; checks never wait).
#pragma once

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "faultline/clock.hpp"
#include "faultline/corrupt.hpp"
#include "faultline/error_mapping.hpp"
#include "faultline/export.hpp"
#include "faultline/fault.hpp"
#include "faultline/internal/call_context.hpp"
#include "faultline/internal/ownership.hpp"
#include "faultline/internal/site.hpp"
#include "faultline/internal/type_name.hpp"
#include "faultline/schedule.hpp"

namespace faultline {

class FaultInjector;
class RuleScope;

namespace internal {
inline namespace FAULTLINE_EXCEPTION_MODE {
template <class F>
class Wrapped;
}  // namespace FAULTLINE_EXCEPTION_MODE
struct InjectorState;
struct EpochSlot;
// Throws the InjectedFault of `rule`, for code built without exceptions, which cannot throw.
[[noreturn]] FAULTLINE_API void ThrowInjectedFault(const FaultConfig& rule);
}  // namespace internal

// Identifies one installed rule (AddRule's result); unique within an injector.
using RuleId = std::uint64_t;

// The seed an injector and the test adapters use when none is given.
inline constexpr std::uint64_t kDefaultSeed = 42;
// How many events an injector keeps unless SetEventLimit says otherwise.
inline constexpr std::size_t kDefaultEventLimit = 10000;

// Holds the rules, the per-target call counters and the fault events. Thread-safe: any number
// of threads may call wrapped functions and fault points while others change the rules.
// Not copyable or movable: sites and wrapped callables keep a pointer to it.
class FAULTLINE_API FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed = kDefaultSeed);
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Installs `rule` after the rules already installed. Throws std::invalid_argument when a
  // rule of the same name is installed, when it could not fire on a target it matches whose
  // result type is known (see Wrap), or when it is a kWait rule with no After() target.
  RuleId AddRule(FaultConfig rule);
  // Removes the installed rule named `name`; false when there is none.
  bool RemoveRule(std::string_view name);
  // Removes the installed rule `id`; false when it is no longer installed.
  bool RemoveRule(RuleId id);
  // Enables (or, with `enabled` false, disables) the installed rule named `name` in place: it
  // keeps its place among the rules, its counters and what is left of its MaxTriggers, e.g. a
  // rule installed with .Enabled(false) that a test arms once its set-up is done. False when
  // no rule of that name is installed.
  bool EnableRule(std::string_view name, bool enabled = true);
  // EnableRule(name, false).
  bool DisableRule(std::string_view name) { return EnableRule(name, false); }
  // The installed rules, in the order they were added.
  std::vector<FaultConfig> Rules() const;

  // The global kill switch: a disabled injector injects nothing and counts nothing.
  void Enable();
  void Disable();
  bool enabled() const;
  // While on (the default for a constructed injector), every call of every target is counted,
  // so that call ordinals do not depend on which rules exist. Off (the process-wide default
  // injector outside a test), calls are counted only while some rule is installed, and a check
  // with no rule anywhere costs one relaxed load. The test adapters turn it on for each test.
  void CountCalls(bool on);
  bool counting_calls() const;

  // Removes every rule, stops a replay, wakes every thread a kPause or kWait rule holds, and
  // clears call counters, events and stats. Keeps seed,
  // clock, enabled and counting state and the sites of wrapped callables. Costs the rules
  // installed and the sites called since the last Reset(), not every site. A fault that a
  // check in flight on another thread fires after the Reset is not recorded.
  void Reset();
  // Sets the seed of future decisions (call ordinals are not reset; see Reset()).
  void SetSeed(std::uint64_t seed);
  std::uint64_t seed() const { return seed_.load(std::memory_order_relaxed); }
  // Delays and timeouts go through `clock`, which must outlive its use here; nullptr selects
  // the real clock.
  void SetClock(Clock* clock);
  Clock& clock() const { return *clock_.load(std::memory_order_acquire); }
  // Follows `schedule` instead of rolling dice: an installed, enabled rule that matches a call
  // fires exactly when its (rule, target, call) is scheduled, whatever its probability, trigger
  // conditions and limit say; rules are still tried in the order they were added. A scheduled
  // fault whose rule is not installed, or whose call never comes, is not injected. Lasts until
  // StopReplay() or Reset(). With the run's seed, Replay(Schedule::FromEvents(Events())) repeats
  // a run's faults exactly, corrupted values included.
  void Replay(Schedule schedule);
  // Returns to rolling dice.
  void StopReplay();
  // True between Replay() and StopReplay() or Reset().
  bool replaying() const;
  // At most `limit` events are kept (default kDefaultEventLimit); later ones are counted as
  // dropped.
  // The log is reserved up front so recording an event never allocates.
  void SetEventLimit(std::size_t limit);

  // Ends the holds of the pause (or wait) rule `name`: wakes the threads it holds, and later
  // calls it fires on go on without parking (as turning a fail point off), until a rule of
  // that name is added again. Releasing before the thread parks is therefore safe. Removing the
  // rule and Reset() release too. Returns how many threads it woke.
  std::size_t Release(std::string_view name);
  // Blocks the calling thread until `target` has been called at least `n` times since the last
  // Reset() (the n-th call has reached its check), for at most `timeout` of real time, also
  // under a virtual clock. False on a timeout or when Reset() ends the wait; a timeout also
  // fails the running test with a message naming the target, `n` and the calls seen. Calls are
  // counted while the injector is armed (in a test, or with a rule installed).
  bool WaitForHit(std::string_view target, std::uint64_t n = 1,
                  std::chrono::nanoseconds timeout = kDefaultSyncTimeout);
  // Holds the calling thread as kPause or kWait rule `rule` says; nothing for other rules. For
  // interposers that apply Evaluate's decisions themselves; Check does it for its callers.
  void Synchronize(const FaultConfig& rule);

  // Counters and events since construction or the last Reset(). A rule added and removed
  // several times with the same name, target, type and probability is one entry.
  HarnessStats Stats() const;
  // The kept events, in sequence order.
  std::vector<FaultEvent> Events() const;
  // Every target this injector has seen (wrapped, checked or reached by a fault point).
  std::vector<std::string> Targets() const;

  // Checks a call of `target`: throws the fault of an exception or timeout rule, sleeps for a
  // delay rule, and returns the Decision of a kReturn or kCorruption rule for the caller to
  // apply (false when nothing is left to do). Interns `target` on each call: prefer Wrap or
  // FAULTLINE_POINT on hot paths.
  Decision CheckAndInject(std::string_view target);

  // Adds `rules` for the life of the returned scope, which removes exactly those rules (not
  // later ones of the same name), also during stack unwinding. When one rule cannot be added,
  // the ones added before it are removed and the exception propagates.
  [[nodiscard]] RuleScope Scope(std::vector<FaultConfig> rules);

  // A callable that checks `target` and injects before calling `callable` with the same
  // arguments, returning its result (move-only results too). kReturn rules return their value
  // without calling; kCorruption rules corrupt the result (see corrupt.hpp). A number must fit
  // the result type (no narrowing, no fraction dropped). When `callable` has one signature (not
  // a generic lambda), the target records its result type until the next Reset() and AddRule
  // then rejects a rule that could not fire there. A value that cannot become the result type, or a result that cannot
  // be corrupted, found when the rule fires is a harness error (internal::ReportProblem, which
  // fails the running test) naming rule, target and types, and the call is made as if the rule
  // had not fired. The callable keeps a pointer to this injector.
  template <class F>
  internal::Wrapped<std::decay_t<F>> Wrap(std::string_view target, F&& callable);

  // The site of `target`, created on first use; stable for the injector's life. For adapters
  // that intern a target once and Check it on every call.
  internal::Site& Intern(std::string_view target);
  // The hot path: Check on an interned site, with CheckAndInject's effects.
  Decision Check(internal::Site& site) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return CheckArmed<true>(site);
  }
  // Check for calls whose result reports the error (see error_mapping.hpp): an exception or
  // timeout rule that fires is returned as its Decision (after a timeout's delay), never
  // thrown. Delays sleep as in Check.
  Decision CheckForError(internal::Site& site) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return CheckArmed<false>(site);
  }
  // Check on the site of a process-wide point id (see FAULTLINE_POINT).
  Decision CheckPoint(std::uint32_t point_id) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return CheckArmed<true>(SiteFor(point_id));
  }
  // For interposers that apply faults themselves (the system-call targets, which cannot throw
  // through C code): checks a call of `site` about `context` (its file, size and scope, for the
  // rules' Path, Sizes and Scoped filters) and returns the Decision of whichever rule fired,
  // whatever its type, applying nothing. False when disarmed or when nothing fired.
  Decision Evaluate(internal::Site& site, const internal::CallContext& context) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return EvaluateArmed(site, context);
  }
  // The site of a process-wide point id (internal::PointId), without locking once it exists.
  internal::Site& SiteFor(std::uint32_t point_id) {
    internal::Site* site = site_chunks_[point_id / kChunkSize]
                               .load(std::memory_order_acquire)[point_id % kChunkSize]
                               .load(std::memory_order_acquire);
    return site != nullptr ? *site : InternId(point_id);
  }

  // True when enabled and counting calls or holding at least one rule.
  bool armed() const { return armed_.load(std::memory_order_relaxed); }

 private:
  friend class RuleScope;
  static constexpr std::size_t kChunkSize = 1024;
  static constexpr std::size_t kChunks = internal::kMaxTargets / kChunkSize;

  // Check once the armed flag has been read: one load of the site's rule list and the count.
  // `kThrow`: exception and timeout rules throw (Check), else they are returned
  // (CheckForError).
  template <bool kThrow>
  Decision CheckArmed(internal::Site& site) {
    if (site.rules.load(std::memory_order_relaxed) != nullptr) {
      const internal::Fired fired = Decide(site);
      if (fired.rule == nullptr) return {};
      if constexpr (kThrow) {
        // The default exception is thrown in the caller's frame: each frame an exception
        // unwinds through costs about as much as the throw itself.
        if (fired.rule->type() == FaultType::kException &&
            !fired.rule->throws_custom_exception()) {
          // Code built without exceptions cannot spell the throw, and throws the same
          // exception from the library: both definitions of this function do the same.
#if defined(__cpp_exceptions)
          throw InjectedFault(fired.rule->name(), fired.rule->message());
#else
          internal::ThrowInjectedFault(*fired.rule);
#endif
        }
      }
      return Apply(fired, kThrow);
    }
    if (site.calls.fetch_add(1, std::memory_order_relaxed) == 0) Touch(site);
    return {};
  }
  // Counts the call and tries the site's rules for a call with no context (a path or size
  // filter rejects it); the rule that fired, if any.
  internal::Fired Decide(internal::Site& site);
  // Decide for a call about `context` (the rules' call filters apply), and for the checks
  // Decide hands on: a thread's first, and one nested in another.
  internal::Fired DecideGeneral(internal::Site& site, const internal::CallContext* context);
  // Decide's general loop over the rules from `it` to `end` of the list of `site`, for call
  // `call`, inside the calling thread's epoch, which it ends.
  internal::Fired DecideFrom(internal::Rule* const* it, internal::Rule* const* end,
                             internal::Site& site, std::uint64_t call,
                             const internal::CallContext* context);
  Decision EvaluateArmed(internal::Site& site, const internal::CallContext& context);
  // Records the event of `rule` firing on call `call` of `site` and ends the check's epoch
  // (`slot`), keeping the rule alive for this thread until its next fault. Fires nothing on a
  // thread a finished test left running, giving back the count Decide took from `taken` (a
  // MaxTriggers budget or a chain term's count; null when none). `term` is the chain term that
  // fired (0: the rule's own action).
  internal::Fired Fire(internal::Rule& rule, internal::Site& site, std::uint64_t call,
                       internal::EpochSlot& slot, std::atomic<std::uint64_t>* taken = nullptr,
                       std::size_t term = 0);
  // Walks the terms of a chained rule on call `call` of `site`. True when a term fired (or a
  // thread a finished test left running was refused): Fire ended the epoch and `*fired` is
  // its result. False when the call passes this rule: the epoch is still held.
  bool DecideChain(internal::Rule& rule, internal::Site& site, std::uint64_t call,
                   internal::EpochSlot& slot, internal::Fired* fired);
  // Applies a fault Decide found other than the default exception: throws a custom exception
  // or a timeout (returns their Decision instead when not `raise`, after a timeout's delay),
  // sleeps a delay, or returns the Decision of a kReturn or kCorruption rule.
  Decision Apply(internal::Fired fired, bool raise);
  // Records that calls of `site` return a type `check` checks, so that AddRule rejects a rule
  // that could not fire there.
  void ExpectResult(internal::Site& site, internal::ResultCheck check);
  // Links a site counted for the first time since Reset() into the list Reset and Stats walk.
  void Touch(internal::Site& site);
  internal::Site& InternId(std::uint32_t id);
  void RemoveRules(const std::vector<RuleId>& ids);
  // Removes the installed rule `id`; false when there is none. Caller holds the mutex.
  bool RemoveInstalled(RuleId id);
  void UpdateArmed();

  std::atomic<bool> armed_{false};
  std::atomic<std::uint64_t> seed_;
  std::atomic<std::uint64_t> seed_mix_;  // internal::SeedMix(seed_), the seed's part of decisions
  std::atomic<Clock*> clock_;
  // The chunk of every part of a site table with no site yet: all null, never written.
  static std::atomic<internal::Site*> no_sites_[kChunkSize];

  // Each no_sites_ until a site of its part is interned.
  std::array<std::atomic<std::atomic<internal::Site*>*>, kChunks> site_chunks_;
  std::unique_ptr<internal::InjectorState> state_;
};

// The rules added by FaultInjector::Scope, removed when this object is destroyed.
class FAULTLINE_API RuleScope {
 public:
  RuleScope(RuleScope&& other) noexcept;
  RuleScope& operator=(RuleScope&&) = delete;
  RuleScope(const RuleScope&) = delete;
  RuleScope& operator=(const RuleScope&) = delete;
  ~RuleScope();
  // The ids of the rules this scope added, in order.
  const std::vector<RuleId>& ids() const { return ids_; }

 private:
  friend class FaultInjector;
  RuleScope(FaultInjector& injector, std::vector<RuleId> ids)
      : injector_(&injector), ids_(std::move(ids)) {}
  FaultInjector* injector_;
  std::vector<RuleId> ids_;
};

namespace internal {
// The injector SetCurrent chose; null until the first Current() or SetCurrent().
extern FAULTLINE_API std::atomic<FaultInjector*> g_current;
// True while the current injector is armed: the one load of a disarmed FAULTLINE_POINT. Set
// with release once g_current holds that injector, so a thread that sees it set with acquire
// (or a relaxed load and an acquire fence) sees an injector in g_current.
extern FAULTLINE_API std::atomic<bool> g_current_armed;
FAULTLINE_API FaultInjector& DefaultInjector();
}  // namespace internal

// The injector used by fault points and by the test adapters: a process-wide default one
// (seed kDefaultSeed, never destroyed) unless SetCurrent chose another.
inline FaultInjector& Current() {
  FaultInjector* current = internal::g_current.load(std::memory_order_acquire);
  return current != nullptr ? *current : internal::DefaultInjector();
}
// Makes `injector` current (nullptr restores the default) and returns the previous one.
// `injector` must outlive its time as current.
FAULTLINE_API FaultInjector* SetCurrent(FaultInjector* injector);

// Makes an injector current for the life of this object, then restores the previous one.
class CurrentInjector {
 public:
  explicit CurrentInjector(FaultInjector& injector) : previous_(SetCurrent(&injector)) {}
  ~CurrentInjector() { SetCurrent(previous_); }
  CurrentInjector(const CurrentInjector&) = delete;
  CurrentInjector& operator=(const CurrentInjector&) = delete;

 private:
  FaultInjector* previous_;
};

// Threads started on this thread while a SharedThreads lives serve every test, as threads
// started outside any test do. With the test adapters, a thread started inside a test belongs
// to that test: once the test ends no rule fires on it (a note says so). Wrap the first use of
// a process-wide pool that starts its threads lazily in one, so later tests can fault it.
class SharedThreads {
 public:
  SharedThreads() { ++internal::t_shared_threads_depth; }
  ~SharedThreads() { --internal::t_shared_threads_depth; }
  SharedThreads(const SharedThreads&) = delete;
  SharedThreads& operator=(const SharedThreads&) = delete;
};

namespace internal {

// Readable name of a type known only at run time ("std::string" rather than a mangled name),
// for the library's own code, which has RTTI.
FAULTLINE_API std::string Demangle(const std::type_info& type);
// "its return value of type <stored> cannot become the result type <result>".
FAULTLINE_API std::string ReturnTypeMismatch(const FaultConfig& rule,
                                             const std::string& result_type);
// "its return value <value> does not fit the result type <result>".
FAULTLINE_API std::string ReturnOutOfRange(const FaultConfig& rule, const std::string& result_type);
// "cannot corrupt a result of type <result> (...)".
FAULTLINE_API std::string NotCorruptible(const std::string& result_type);
// "its exception cannot be thrown into code built without exceptions, and the result type
// <result> has no error mapping ...".
FAULTLINE_API std::string NoErrorMapping(const FaultConfig& rule, const std::string& result_type);
// The Failure `rule` reports to an error mapping, its text kept in `message`: for every
// exception and timeout rule; for a kReturn rule whose value is an error number (`from_value`
// set false) or text, a number or a bool (`from_value` set true). Nothing for other values.
FAULTLINE_API std::optional<Failure> DescribeFailure(const FaultConfig& rule,
                                                     std::string& message, bool& from_value);
// A fault point's check in code built without exceptions, which must not be unwound through:
// an exception or timeout rule that fires is reported (ReportMisfire: a point has no result to
// carry the error) and the point is false.
FAULTLINE_API Decision CheckPointWithoutExceptions(std::uint32_t point_id);
// Reports `problem` of `rule` firing on `site` as a harness error (ReportProblem), which fails
// the running test; the call is made as if the rule had not fired.
FAULTLINE_API void ReportMisfire(const FaultConfig& rule, const Site& site,
                                 const std::string& problem);

// True when the number `v` has the same value as the arithmetic type R (an enum: its
// underlying type) can hold, so that converting it changes nothing.
template <class R, class S>
bool FitsNumber(S v) {
  if constexpr (std::is_enum_v<R>) {
    return FitsNumber<std::underlying_type_t<R>>(v);
  } else if constexpr (std::is_floating_point_v<R>) {
    if constexpr (std::is_floating_point_v<S> && sizeof(R) < sizeof(S)) {
      return !(v > std::numeric_limits<R>::max() || v < std::numeric_limits<R>::lowest());
    } else {
      return true;  // an integer may round, never overflow
    }
  } else if constexpr (std::is_floating_point_v<S>) {
    // Bounds are powers of two, exact as doubles; the value must be whole.
    const S limit = std::ldexp(S(1), std::numeric_limits<R>::digits);
    const S low = std::is_signed_v<R> ? -limit : S(0);
    return v >= low && v < limit && v == std::trunc(v);
  } else if constexpr (std::is_signed_v<S>) {
    if (v < 0) {
      return std::is_signed_v<R> && v >= static_cast<std::int64_t>(std::numeric_limits<R>::min());
    }
    return static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<R>::max());
  } else {
    return static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(std::numeric_limits<R>::max());
  }
}

// The result of a kReturn rule as held before it is returned: references as reference_wrapper.
template <class R>
using HeldResult =
    std::conditional_t<std::is_reference_v<R>, std::reference_wrapper<std::remove_reference_t<R>>,
                       std::remove_cv_t<R>>;

// Converts a stored value of type S (one of the types numbers and strings are kept as) into
// `out` when S can become R. nullopt: S is not stored here or cannot become R; else the
// problem, empty when converted.
template <class R, class S>
std::optional<std::string> ConvertStored(const FaultConfig& rule, std::optional<R>* out) {
  const S* v = AnyCast<S>(&rule.return_value());
  if (v == nullptr) return std::nullopt;
  constexpr bool kNumber = std::is_arithmetic_v<S> && !std::is_same_v<S, bool>;
  if constexpr (std::is_same_v<S, std::nullptr_t> && std::is_constructible_v<R, const char*>) {
    return std::nullopt;  // never build a string from a null pointer
  } else if constexpr ((std::is_arithmetic_v<R> || std::is_enum_v<R>) && std::is_arithmetic_v<S>) {
    if constexpr (std::is_enum_v<R> && std::is_floating_point_v<S>) {
      return std::nullopt;
    } else {
      if constexpr (kNumber) {
        if (!FitsNumber<R>(*v)) return ReturnOutOfRange(rule, TypeName<R>());
      }
      if (out != nullptr) out->emplace(static_cast<R>(*v));
      return std::string();
    }
  } else if constexpr (std::is_constructible_v<R, const S&>) {
    if (out != nullptr) out->emplace(*v);
    return std::string();
  } else {
    return std::nullopt;
  }
}

// True when the error mapping of R (not a reference) turns what `rule` fired into an error;
// then `out`, when not null, receives it.
template <class R>
bool MapFailure(const FaultConfig& rule, std::optional<R>* out) {
  if constexpr (!HasErrorMapping<R>::value) {
    return false;
  } else {
    std::string message;
    bool from_value = false;
    const std::optional<Failure> failure = DescribeFailure(rule, message, from_value);
    if (!failure) return false;
    if (from_value && !MappingFromReturnValues<ErrorMapping<R>>::value) return false;
    if (out != nullptr) out->emplace(ErrorMapping<R>::Error(*failure));
    return true;
  }
}

// Why the value of kReturn rule `rule` cannot become the result type R (not void), or nothing
// when it can: then `out`, when not null, receives it. A factory is called only for `out`.
template <class R>
std::optional<std::string> MakeReturn(const FaultConfig& rule, std::optional<HeldResult<R>>* out) {
  using Held = HeldResult<R>;
  const AnyValue& value = rule.return_value();
  if constexpr (std::is_reference_v<R>) {
    if (const auto* ref = AnyCast<Held>(&value)) {
      if (out != nullptr) out->emplace(*ref);
      return std::nullopt;
    }
  } else {
    if constexpr (std::is_copy_constructible_v<Held>) {
      if (const Held* exact = AnyCast<Held>(&value)) {
        if (out != nullptr) out->emplace(*exact);
        return std::nullopt;
      }
    }
    if (const auto* factory = AnyCast<ReturnFactory<Held>>(&value)) {
      if (out != nullptr) out->emplace(factory->make());
      return std::nullopt;
    }
    for (auto convert : {&ConvertStored<Held, bool>, &ConvertStored<Held, std::int64_t>,
                         &ConvertStored<Held, std::uint64_t>, &ConvertStored<Held, double>,
                         &ConvertStored<Held, std::string>, &ConvertStored<Held, std::nullopt_t>,
                         &ConvertStored<Held, std::nullptr_t>}) {
      if (std::optional<std::string> problem = convert(rule, out)) {
        if (problem->empty()) return std::nullopt;
        return problem;
      }
    }
    // Last: a value that can be returned as it is must be, even where R has a mapping.
    if (MapFailure<Held>(rule, out)) return std::nullopt;
  }
  return ReturnTypeMismatch(rule, TypeName<R>());
}

// True when a kCorruption rule can corrupt a result of type R.
template <class R>
inline constexpr bool kCanCorrupt =
    !std::is_void_v<R> && !std::is_reference_v<R> && kIsCorruptible<std::remove_cv_t<R>>;

// Why a rule cannot fire on a call whose result type is R, or nothing when it can (a kReturn
// value that cannot become R, a kCorruption rule on a result that cannot be corrupted).
template <class R>
std::optional<std::string> ResultProblem(const FaultConfig& rule) {
  if (rule.type() == FaultType::kReturn) {
    if constexpr (!std::is_void_v<R>) return MakeReturn<R>(rule, nullptr);
  } else if (rule.type() == FaultType::kCorruption) {
    if constexpr (!kCanCorrupt<R>) return NotCorruptible(TypeName<R>());
  }
  return std::nullopt;
}

inline namespace FAULTLINE_EXCEPTION_MODE {

// True when R's error mapping applies to exception and timeout rules at a call returning R
// made from this translation unit (see error_mapping.hpp): always where exceptions are off.
template <class R>
inline constexpr bool kErrorsAsValues =
#if defined(__cpp_exceptions)
    !std::is_reference_v<R> && HasErrorMapping<std::remove_cv_t<R>>::value &&
    ExceptionsAsErrors<std::remove_cv_t<R>>::value;
#else
    true;
#endif

// The result of a call on which exception or timeout rule `rule` fired, where that becomes an
// error value: a custom exception is still thrown where exceptions are on; without an error
// mapping the fault is reported (ReportMisfire) and the call is made.
template <class R, class Call>
R ReturnError(const FaultConfig& rule, Site& site, Call&& call) {
#if defined(__cpp_exceptions)
  if constexpr (!MappingCarriesExceptions<ErrorMapping<std::remove_cv_t<R>>>::value) {
    if (rule.throws_custom_exception()) rule.Throw();
  }
#endif
  if constexpr (!std::is_void_v<R> && !std::is_reference_v<R>) {
    std::optional<std::remove_cv_t<R>> error;
    if (MapFailure<std::remove_cv_t<R>>(rule, &error)) return std::move(*error);
  }
  ReportMisfire(rule, site, NoErrorMapping(rule, TypeName<R>()));
  return std::forward<Call>(call)();
}

// Checks `site`, then makes the call `call()` or applies a kReturn / kCorruption decision, or
// returns the error an exception or timeout rule maps to (kErrorsAsValues). A decision that
// cannot be applied is reported (ReportMisfire) and the call is made. Always inlined: the
// default exception is then thrown in the caller's frame, as Check intends (a frame more to
// unwind costs about as much as the throw).
template <class R, class Call>
__attribute__((always_inline)) inline R InvokeWithFaults(FaultInjector& injector, Site& site,
                                                         Call&& call) {
  const Decision decision =
      kErrorsAsValues<R> ? injector.CheckForError(site) : injector.Check(site);
  if (!decision) return std::forward<Call>(call)();
  if (decision.type() == FaultType::kException || decision.type() == FaultType::kTimeout) {
    return ReturnError<R>(*decision.rule, site, std::forward<Call>(call));
  }
  if (decision.type() == FaultType::kReturn) {
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      std::optional<HeldResult<R>> value;
      if (std::optional<std::string> problem = MakeReturn<R>(*decision.rule, &value)) {
        ReportMisfire(*decision.rule, site, *problem);
        return std::forward<Call>(call)();
      }
      if constexpr (std::is_reference_v<R>) {
        return static_cast<R>(value->get());
      } else {
        return std::move(*value);
      }
    }
  }
  if constexpr (!kCanCorrupt<R>) {
    ReportMisfire(*decision.rule, site, NotCorruptible(TypeName<R>()));
    return std::forward<Call>(call)();
  } else {
    R result = std::forward<Call>(call)();
    Rng rng(decision.stream, decision.rule->corruption_rate());
    Corrupt(result, rng);
    return result;
  }
}

// The result type of calling an F, when F has one signature (a function pointer, a lambda
// that is not generic, a std::function): `known` and `type`.
template <class F, class = void>
struct SignatureResult {
  static constexpr bool known = false;
};
template <class R, class... A>
struct SignatureResult<R (*)(A...)> {
  static constexpr bool known = true;
  using type = R;
};
template <class R, class... A>
struct SignatureResult<R (*)(A...) noexcept> : SignatureResult<R (*)(A...)> {};
template <class C, class R, class... A>
struct SignatureResult<R (C::*)(A...)> : SignatureResult<R (*)(A...)> {};
template <class C, class R, class... A>
struct SignatureResult<R (C::*)(A...) const> : SignatureResult<R (*)(A...)> {};
template <class C, class R, class... A>
struct SignatureResult<R (C::*)(A...) noexcept> : SignatureResult<R (*)(A...)> {};
template <class C, class R, class... A>
struct SignatureResult<R (C::*)(A...) const noexcept> : SignatureResult<R (*)(A...)> {};
template <class F>
struct SignatureResult<F, std::void_t<decltype(&F::operator())>>
    : SignatureResult<decltype(&F::operator())> {};

// The callable returned by FaultInjector::Wrap.
template <class F>
class Wrapped {
 public:
  Wrapped(FaultInjector& injector, Site& site, F callable)
      : injector_(&injector), site_(&site), callable_(std::move(callable)) {}

  template <class... Args>
  std::invoke_result_t<F&, Args&&...> operator()(Args&&... args) {
    using R = std::invoke_result_t<F&, Args&&...>;
    return InvokeWithFaults<R>(*injector_, *site_, [&]() -> R {
      return std::invoke(callable_, std::forward<Args>(args)...);
    });
  }
  template <class... Args>
  std::invoke_result_t<const F&, Args&&...> operator()(Args&&... args) const {
    using R = std::invoke_result_t<const F&, Args&&...>;
    return InvokeWithFaults<R>(*injector_, *site_, [&]() -> R {
      return std::invoke(callable_, std::forward<Args>(args)...);
    });
  }
  // The target this callable checks.
  const std::string& target() const { return site_->name; }

 private:
  FaultInjector* injector_;
  Site* site_;
  F callable_;
};

}  // namespace FAULTLINE_EXCEPTION_MODE
}  // namespace internal

template <class F>
internal::Wrapped<std::decay_t<F>> FaultInjector::Wrap(std::string_view target, F&& callable) {
  internal::Site& site = Intern(target);
  using Signature = internal::SignatureResult<std::decay_t<F>>;
  if constexpr (Signature::known) {
    ExpectResult(site, &internal::ResultProblem<typename Signature::type>);
  }
  return internal::Wrapped<std::decay_t<F>>(*this, site, std::forward<F>(callable));
}

}  // namespace faultline
