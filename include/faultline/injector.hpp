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

#include <any>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
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
#include "faultline/fault.hpp"
#include "faultline/internal/call_context.hpp"
#include "faultline/internal/ownership.hpp"
#include "faultline/internal/site.hpp"
#include "faultline/schedule.hpp"

namespace faultline {

class FaultInjector;
class RuleScope;

namespace internal {
template <class F>
class Wrapped;
struct InjectorState;
struct EpochSlot;
// Throws the InjectedFault of `rule`, for code built without exceptions, which cannot throw.
[[noreturn]] void ThrowInjectedFault(const FaultConfig& rule);
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
class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed = kDefaultSeed);
  ~FaultInjector();
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Installs `rule` after the rules already installed. Throws std::invalid_argument when a
  // rule of the same name is installed.
  RuleId AddRule(FaultConfig rule);
  // Removes the installed rule named `name`; false when there is none.
  bool RemoveRule(std::string_view name);
  // Removes the installed rule `id`; false when it is no longer installed.
  bool RemoveRule(RuleId id);
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

  // Removes every rule, stops a replay and clears call counters, events and stats. Keeps seed,
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
  // arguments, returning its result. kReturn rules return their value without calling;
  // kCorruption rules corrupt the result (see corrupt.hpp). A value that cannot become the
  // result type, or a result that cannot be corrupted, throws std::logic_error naming rule,
  // target and types. The callable keeps a pointer to this injector.
  template <class F>
  internal::Wrapped<std::decay_t<F>> Wrap(std::string_view target, F&& callable);

  // The site of `target`, created on first use; stable for the injector's life. For adapters
  // that intern a target once and Check it on every call.
  internal::Site& Intern(std::string_view target);
  // The hot path: Check on an interned site, with CheckAndInject's effects.
  Decision Check(internal::Site& site) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return CheckArmed(site);
  }
  // Check on the site of a process-wide point id (see FAULTLINE_POINT).
  Decision CheckPoint(std::uint32_t point_id) {
    if (!armed_.load(std::memory_order_relaxed)) return {};
    return CheckArmed(SiteFor(point_id));
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
    std::atomic<internal::Site*>* chunk =
        site_chunks_[point_id / kChunkSize].load(std::memory_order_acquire);
    internal::Site* site =
        chunk == nullptr ? nullptr : chunk[point_id % kChunkSize].load(std::memory_order_acquire);
    return site != nullptr ? *site : InternId(point_id);
  }

  // True when enabled and counting calls or holding at least one rule.
  bool armed() const { return armed_.load(std::memory_order_relaxed); }

 private:
  friend class RuleScope;
  static constexpr std::size_t kChunkSize = 1024;
  static constexpr std::size_t kChunks = internal::kMaxTargets / kChunkSize;

  // Check once the armed flag has been read: one load of the site's rule list and the count.
  Decision CheckArmed(internal::Site& site) {
    if (site.rules.load(std::memory_order_relaxed) != nullptr) {
      const internal::Fired fired = Decide(site);
      if (fired.rule == nullptr) return {};
      // The default exception is thrown in the caller's frame: each frame an exception unwinds
      // through costs about as much as the throw itself.
      if (fired.rule->type() == FaultType::kException && !fired.rule->throws_custom_exception()) {
#if defined(__cpp_exceptions)
        throw InjectedFault(fired.rule->name(), fired.rule->message());
#else
        internal::ThrowInjectedFault(*fired.rule);
#endif
      }
      return Apply(fired);
    }
    if (site.calls.fetch_add(1, std::memory_order_relaxed) == 0) Touch(site);
    return {};
  }
  // Counts the call and tries the site's rules (those with call filters only when `context`
  // passes them); the rule that fired, if any.
  internal::Fired Decide(internal::Site& site, const internal::CallContext* context = nullptr);
  Decision EvaluateArmed(internal::Site& site, const internal::CallContext& context);
  // Records the event of `rule` firing on call `call` of `site` and ends the check's epoch
  // (`slot`), keeping the rule alive for this thread until its next fault. Fires nothing on a
  // thread a finished test left running, giving back the MaxTriggers trigger Decide took
  // (`took_limited`).
  internal::Fired Fire(internal::Rule& rule, internal::Site& site, std::uint64_t call,
                       internal::EpochSlot& slot, bool took_limited = false);
  // Applies a fault Decide found other than the default exception: throws a custom exception
  // or a timeout, sleeps a delay, or returns the Decision of a kReturn or kCorruption rule.
  Decision Apply(const internal::Fired& fired);
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
  std::array<std::atomic<std::atomic<internal::Site*>*>, kChunks> site_chunks_{};
  std::unique_ptr<internal::InjectorState> state_;
};

// The rules added by FaultInjector::Scope, removed when this object is destroyed.
class RuleScope {
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
extern std::atomic<FaultInjector*> g_current;
// True while the current injector is armed: the one load of a disarmed FAULTLINE_POINT.
extern std::atomic<bool> g_current_armed;
FaultInjector& DefaultInjector();
}  // namespace internal

// The injector used by fault points and by the test adapters: a process-wide default one
// (seed kDefaultSeed, never destroyed) unless SetCurrent chose another.
inline FaultInjector& Current() {
  FaultInjector* current = internal::g_current.load(std::memory_order_acquire);
  return current != nullptr ? *current : internal::DefaultInjector();
}
// Makes `injector` current (nullptr restores the default) and returns the previous one.
// `injector` must outlive its time as current.
FaultInjector* SetCurrent(FaultInjector* injector);

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

// Readable name of a type ("std::string" rather than a mangled name).
std::string Demangle(const std::type_info& type);
template <class T>
std::string TypeName() {
  std::string name = Demangle(typeid(T));
  if constexpr (std::is_lvalue_reference_v<T>) name += "&";
  if constexpr (std::is_rvalue_reference_v<T>) name += "&&";
  return name;
}
[[noreturn]] void ThrowReturnMismatch(const FaultConfig& rule, const Site& site,
                                      const std::string& result_type);
[[noreturn]] void ThrowNotCorruptible(const FaultConfig& rule, const Site& site,
                                      const std::string& result_type);

template <class R, class S>
bool ConvertReturn(const std::any& value, std::optional<R>& out) {
  if constexpr (std::is_same_v<S, std::nullptr_t> && std::is_constructible_v<R, const char*>) {
    return false;  // never build a string from a null pointer
  } else if constexpr (std::is_constructible_v<R, const S&>) {
    if (const S* v = std::any_cast<S>(&value)) {
      out.emplace(*v);
      return true;
    }
  } else if constexpr (std::is_enum_v<R> && std::is_integral_v<S>) {
    if (const S* v = std::any_cast<S>(&value)) {
      out.emplace(static_cast<R>(*v));
      return true;
    }
  }
  return false;
}

// The configured value of a kReturn rule as the result type R.
template <class R>
R ReturnValue(const FaultConfig& rule, const Site& site) {
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_reference_v<R>) {
    using T = std::remove_reference_t<R>;
    if (auto* ref = std::any_cast<std::reference_wrapper<T>>(&rule.return_value())) {
      return static_cast<R>(ref->get());
    }
    ThrowReturnMismatch(rule, site, TypeName<R>());
  } else {
    const std::any& value = rule.return_value();
    if (const R* exact = std::any_cast<R>(&value)) return *exact;
    std::optional<R> out;
    if (ConvertReturn<R, bool>(value, out) || ConvertReturn<R, std::int64_t>(value, out) ||
        ConvertReturn<R, std::uint64_t>(value, out) || ConvertReturn<R, double>(value, out) ||
        ConvertReturn<R, std::string>(value, out) ||
        ConvertReturn<R, std::nullopt_t>(value, out) ||
        ConvertReturn<R, std::nullptr_t>(value, out)) {
      return std::move(*out);
    }
    ThrowReturnMismatch(rule, site, TypeName<R>());
  }
}

// Checks `site`, then makes the call `call()` or applies a kReturn / kCorruption decision.
template <class R, class Call>
R InvokeWithFaults(FaultInjector& injector, Site& site, Call&& call) {
  const Decision decision = injector.Check(site);
  if (!decision) return std::forward<Call>(call)();
  if (decision.type() == FaultType::kReturn) return ReturnValue<R>(*decision.rule, site);
  if constexpr (std::is_void_v<R> || std::is_reference_v<R> ||
                !kIsCorruptible<std::remove_cv_t<R>>) {
    ThrowNotCorruptible(*decision.rule, site, TypeName<R>());
  } else {
    R result = std::forward<Call>(call)();
    Rng rng(decision.stream);
    Corrupt(result, rng);
    return result;
  }
}

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

}  // namespace internal

template <class F>
internal::Wrapped<std::decay_t<F>> FaultInjector::Wrap(std::string_view target, F&& callable) {
  return internal::Wrapped<std::decay_t<F>>(*this, Intern(target), std::forward<F>(callable));
}

}  // namespace faultline
