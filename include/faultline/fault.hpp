// faultline: domain types. A fault rule says what to inject, where and how often.
//
//   using namespace std::chrono_literals;
//   auto api = faultline::Exception("api-error").Target("call_api").Probability(0.3);
//   auto db = faultline::Delay("db-delay", 10ms).Target("query_*").Probability(0.2);
//   auto oom = faultline::Return("oom", -ENOMEM).Target("alloc").OnCalls({3});
//
// Every setter validates its argument and throws std::invalid_argument naming the rule and
// the bad value, so a bad rule fails where it is written, not when it is first used.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "faultline/export.hpp"
#include "faultline/internal/type_name.hpp"

namespace faultline {

// The kinds of fault a rule injects.
enum class FaultType {
  kException,   // throw (faultline::InjectedFault by default)
  kDelay,       // sleep through the injector's Clock, then make the real call
  kCorruption,  // make the real call, then corrupt its result (see corrupt.hpp)
  kTimeout,     // sleep through the Clock, then throw faultline::InjectedTimeout
  kReturn,      // skip the real call and return the rule's configured value
  // Parks the calling thread until FaultInjector::Release(rule name), then makes the real call.
  kPause,
  // Holds the calling thread until some thread has reached the rule's After() target, then
  // makes the real call: an ordering ("B waits for A").
  kWait,
};

// How long a kPause or kWait rule holds a thread unless its Delay says otherwise. Sync waits
// run on real time, also under a virtual clock, so a forgotten release never hangs a run.
inline constexpr std::chrono::seconds kDefaultSyncTimeout{10};

// "exception", "delay", "corruption", "timeout", "return", "pause" or "wait".
FAULTLINE_API const char* ToString(FaultType type);

// The default exception of a kException rule. what() is "[FAULT:<rule>] <message>".
class FAULTLINE_API InjectedFault : public std::runtime_error {
 public:
  InjectedFault(const std::string& rule, const std::string& message);
  // The name of the rule that threw.
  const std::string& rule() const noexcept { return rule_; }

 private:
  std::string rule_;
};

// Thrown by kTimeout rules after their delay has elapsed on the injector's Clock.
class FAULTLINE_API InjectedTimeout : public InjectedFault {
 public:
  using InjectedFault::InjectedFault;
};

// The value of an errno rule (Errno()): the call fails with error number `code` (EIO, ENOSPC,
// ...). System-call targets return their failure value (-1, null) with errno set to `code`.
struct FAULTLINE_API SystemError {
  int code = 0;
  friend bool operator==(SystemError a, SystemError b) { return a.code == b.code; }
  friend bool operator!=(SystemError a, SystemError b) { return a.code != b.code; }
};

// The value of a partial-transfer rule (Partial()): a read or write transfers fewer bytes than
// asked, a count drawn reproducibly from the decision, at least 1.
struct FAULTLINE_API ShortTransfer {
  friend bool operator==(ShortTransfer, ShortTransfer) { return true; }
  friend bool operator!=(ShortTransfer, ShortTransfer) { return false; }
};

// "ENOSPC" for ENOSPC, or null for an error number without a symbolic name here.
FAULTLINE_API const char* ErrnoName(int code);
// The error number named `name` ("EIO", "ENOSPC", ...), or 0 when the name is unknown.
FAULTLINE_API int ErrnoFromName(std::string_view name);

// A copy of a value of any copyable type, shared by the copies of the rule holding it: what
// std::any is, without RTTI, so that code built with -fno-rtti and the library, built with it,
// agree on what it holds (a libstdc++ std::any made on one side and queried on the other
// crashes). Read it with AnyCast.
class FAULTLINE_API AnyValue {
 public:
  // Empty.
  AnyValue() = default;
  // Holds a copy of `value`.
  template <class T, class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, AnyValue>>>
  AnyValue(T&& value)  // NOLINT(google-explicit-constructor): as AnyValue
      : held_(std::make_shared<const std::decay_t<T>>(std::forward<T>(value))),
        type_(&kTypeTag<std::decay_t<T>>) {}
  // True when it holds a value.
  bool has_value() const { return held_ != nullptr; }
  // The held value when it is a T, else null.
  template <class T>
  const T* get() const {
    return type_ == &kTypeTag<T> ? static_cast<const T*>(held_.get()) : nullptr;
  }

 private:
  // One object per type, whose address names the type in every translation unit, and in every
  // shared object: the class is exported, so that its instances are too. Not const: a linker
  // may fold equal constants into one address.
  template <class T>
  static inline char kTypeTag = 0;
  std::shared_ptr<const void> held_;
  const void* type_ = nullptr;
};

// The value `value` holds when it is a T, else null (or null when `value` is), as
// std::any_cast on a pointer.
template <class T>
const T* AnyCast(const AnyValue* value) {
  return value == nullptr ? nullptr : value->get<T>();
}

// The corruption rate of a rule that sets none (FaultConfig::CorruptionRate).
inline constexpr double kDefaultCorruptionRate = 0.5;

// One rule: when a matching target is called, inject a fault of a type, with a probability,
// subject to trigger conditions. A value type: copy it, compare it, install it with
// FaultInjector::AddRule. Build it with the factories below and the chainable setters.
class FAULTLINE_API FaultConfig {
 public:
  // A rule named `name` (letters, digits and "_.-/" only) of `type`, on every target ("*"),
  // with probability 1. Throws std::invalid_argument for a bad name.
  FaultConfig(std::string name, FaultType type);

  // Which targets the rule applies to: an exact name or a glob ("*", "Ledger::*", "db.?ead",
  // "[ab]*", "{log,table}.Sync"; "\" escapes). Throws std::invalid_argument for an empty or
  // malformed glob.
  FaultConfig& Target(std::string glob);
  // Chance in [0, 1] that a call which passes the trigger conditions fires. Throws
  // std::invalid_argument outside [0, 1] or for NaN.
  FaultConfig& Probability(double p);
  // How long kDelay and kTimeout rules wait, and the real-time limit of a kPause or kWait
  // rule's hold (see kDefaultSyncTimeout). Throws std::invalid_argument when negative.
  FaultConfig& Delay(std::chrono::nanoseconds delay);
  // The message of the default exception: "[FAULT:<name>] <message>".
  FaultConfig& Message(std::string message);
  // A disabled rule stays installed but never matches.
  FaultConfig& Enabled(bool enabled);
  // Fire at most `n` times in all (n >= 1). Of a term of a chain (Then): the term's count,
  // kept per target.
  FaultConfig& MaxTriggers(long long n);
  // Never fire on the first `n` calls of a target (n >= 0).
  FaultConfig& SkipFirst(long long n);
  // Fire only on every `n`-th call of a target after the skipped ones (n >= 1).
  FaultConfig& EveryNth(long long n);
  // Fire only on these 1-based call ordinals of a target (each >= 1, list not empty).
  FaultConfig& OnCalls(std::vector<long long> ordinals);
  // The value a kReturn rule returns. Integers are kept as int64_t (or uint64_t), floating
  // values as double, character strings as std::string, anything else as its own type; the
  // value is converted to the wrapped call's result type when the rule fires (a number must
  // fit that type: see FaultInjector::Wrap). The value must be copyable: a move-only result
  // comes from ReturnsWith.
  template <class T>
  FaultConfig& Returns(T value);
  // Makes a kReturn rule return `factory()`, called each time the rule fires (on the calling
  // thread, so it must be safe to call from every thread that calls the target), for results
  // that cannot be copied: std::unique_ptr, std::future, an expected holding one. `factory`
  // takes no arguments, is copyable and returns the call's result type exactly (cv aside).
  template <class F>
  FaultConfig& ReturnsWith(F factory);
  // Fires only on calls about a file whose path matches `glob` ("*.db", "*/MANIFEST-*"). Only
  // the system-call targets know a call's file: a call on a descriptor uses the path it was
  // opened with. A rule with a path never fires where no path is known (e.g. at a Wrap).
  // Throws std::invalid_argument for an empty or malformed glob.
  FaultConfig& Path(std::string glob);
  // Fires only on calls whose size is in [min, max]: bytes allocated at the allocation
  // targets, bytes asked for at the read and write targets. Throws std::invalid_argument when
  // min > max. A rule with a size range never fires where no size is known.
  FaultConfig& Sizes(std::size_t min, std::size_t max = SIZE_MAX);
  // Fires only on a thread inside a faultline::posix::OnlyIn scope (see faultline/posix.hpp),
  // e.g. so that a fixture's own file I/O never fails.
  FaultConfig& Scoped(bool scoped = true);
  // Fires only on the thread `id`; a default-constructed id lifts the filter. An id is
  // meaningless in another process, so a rule with one has no text form (ToString throws).
  FaultConfig& OnThread(std::thread::id id);
  // Fires only on the thread that calls this setter: OnThread(std::this_thread::get_id()).
  FaultConfig& OnCurrentThread();
  // Fires only on threads whose name (as set by pthread_setname_np; Linux keeps its first 15
  // bytes) matches `glob` ("compaction*", "{flush,compact}-?"); an unnamed thread has the
  // name of its program. Throws std::invalid_argument for an empty or malformed glob.
  FaultConfig& OnThreadsNamed(std::string glob);
  // Appends `term` to this rule's chain of terms, as fail-rs's "->": on each call of a target,
  // the first term whose count (MaxTriggers) is not used up and whose probability draw hits
  // decides the call, and uses up one of its count; a term that is not enabled (Off) lets the
  // call pass; a miss falls through to the next term; when no term applies, nothing fires.
  // Counts are kept per target. This rule's own action, probability and count are the first
  // term, e.g. Off("x").MaxTriggers(3).Then(Exception("x").MaxTriggers(2)).Then(Delay("x",
  // 10ms)) lets 3 calls pass, throws on 2, then delays every call. A term's own terms are
  // appended after it; it takes the rule's name. Throws std::invalid_argument when `term` has a
  // target, a call or thread filter or a skip / every-nth / ordinal condition (those belong to
  // the rule), when this rule has such a condition (a chain counts calls with its terms), and
  // when `term` could never be reached (the term before it has no count and probability 1).
  FaultConfig& Then(FaultConfig term);
  // The target a kWait rule waits for: the rule holds a thread until some thread has reached
  // `target` (an exact name) since the test started. Throws std::invalid_argument when empty.
  FaultConfig& After(std::string target);
  // Makes a kException rule throw `E(args...)` instead of InjectedFault.
  template <class E, class... Args>
  FaultConfig& Throws(Args... args);
  // How much of a result a kCorruption rule corrupts: the chance in [0, 1] that each element
  // of a container, each mapped value, or each byte of a buffer (FlipBits in corrupt.hpp) is
  // corrupted; one is whatever the rate, so a non-empty value always changes. Default
  // kDefaultCorruptionRate. Throws std::invalid_argument outside [0, 1], for NaN, or on a rule
  // of another type.
  FaultConfig& CorruptionRate(double rate);

  const std::string& name() const { return name_; }
  FaultType type() const { return type_; }
  const std::string& target() const { return target_; }
  double probability() const { return probability_; }
  std::chrono::nanoseconds delay() const { return delay_; }
  const std::string& message() const { return message_; }
  bool enabled() const { return enabled_; }
  // 0 when unlimited.
  std::uint64_t max_triggers() const { return max_triggers_; }
  std::uint64_t skip_first() const { return skip_first_; }
  // 0 when every call qualifies.
  std::uint64_t every_nth() const { return every_nth_; }
  // Empty when every call qualifies; sorted, without duplicates.
  const std::vector<std::uint64_t>& on_calls() const { return on_calls_; }
  // The configured return value (empty when none was given).
  const AnyValue& return_value() const { return return_value_; }
  // Readable name of the return value's type ("" when none).
  const std::string& return_type_name() const { return return_type_name_; }
  // The path glob ("" when any call qualifies).
  const std::string& path() const { return path_; }
  std::size_t size_min() const { return size_min_; }
  std::size_t size_max() const { return size_max_; }
  bool scoped() const { return scoped_; }
  // The thread the rule fires on (a default-constructed id when any thread qualifies).
  std::thread::id thread() const { return thread_; }
  // The thread-name glob ("" when any thread qualifies).
  const std::string& thread_name() const { return thread_name_; }
  // The chance that each element or byte of a corrupted result is corrupted.
  double corruption_rate() const { return corruption_rate_; }
  // The target a kWait rule waits for ("" when none).
  const std::string& after() const { return after_; }
  // True when the rule has a path, a size range, a scope condition or a thread filter.
  bool has_call_filter() const {
    return !path_.empty() || size_min_ != 0 || size_max_ != SIZE_MAX || scoped_ ||
           thread_ != std::thread::id() || !thread_name_.empty();
  }
  // The terms chained after this rule's own (Then), in order; empty when it is no chain.
  const std::vector<FaultConfig>& chain() const { return chain_; }
  // True for a term of a chain that lets the calls it takes pass (Off, or "off" in text).
  bool passes() const { return passes_; }
  // Readable name of the exception type thrown by kException rules.
  const std::string& exception_type_name() const { return exception_type_name_; }
  // True when a kException rule throws a type set by Throws<E>, not InjectedFault.
  bool throws_custom_exception() const { return static_cast<bool>(thrower_); }

  // True when a call with 1-based ordinal `call` passes the skip / every-nth / ordinal
  // conditions (the probability and trigger limit are applied by the injector).
  bool Qualifies(std::uint64_t call) const;
  // Throws the rule's exception (kException). Never returns.
  [[noreturn]] void Throw() const;

  // Equal when every field is equal; custom exceptions compare by type name only. A return
  // value compares by value when its type has ==, else (a factory, a user type without ==) by
  // identity: a config equals its copies.
  friend FAULTLINE_API bool operator==(const FaultConfig& a, const FaultConfig& b);
  friend bool operator!=(const FaultConfig& a, const FaultConfig& b) { return !(a == b); }

 private:
  [[noreturn]] void Invalid(const std::string& what) const;
  // Throws: a chain and a skip / every-nth / ordinal condition do not go together.
  [[noreturn]] void RefuseChainConditions() const;
  // Compares two return values of one stored type; false when `b` holds another type.
  using ReturnEquality = bool (*)(const AnyValue& a, const AnyValue& b);
  // Stores `value`, held as `Stored`, describing it as a value of type `Shown`.
  template <class Stored, class Shown>
  void SetReturn(Stored value);
  void SetReturn(AnyValue value, std::string type_name, ReturnEquality equal);

  std::string name_;
  FaultType type_;
  std::string target_ = "*";
  double probability_ = 1.0;
  std::chrono::nanoseconds delay_{std::chrono::seconds(1)};
  std::string message_ = "Injected fault";
  bool enabled_ = true;
  std::uint64_t max_triggers_ = 0;
  std::uint64_t skip_first_ = 0;
  std::uint64_t every_nth_ = 0;
  std::vector<std::uint64_t> on_calls_;
  std::string path_;
  std::size_t size_min_ = 0;
  std::size_t size_max_ = SIZE_MAX;
  bool scoped_ = false;
  std::thread::id thread_;
  std::string thread_name_;
  bool passes_ = false;
  std::vector<FaultConfig> chain_;
  double corruption_rate_ = kDefaultCorruptionRate;
  std::string after_;
  AnyValue return_value_;
  std::string return_type_name_;
  ReturnEquality return_equal_ = nullptr;  // null when the value compares by identity only
  std::uint64_t return_id_ = 0;            // the identity of the value, shared by copies
  std::string exception_type_name_ = "faultline::InjectedFault";
  std::function<void()> thrower_;  // set for custom exception types only
};

// A kException rule throwing InjectedFault("[FAULT:<name>] Injected fault").
FAULTLINE_API FaultConfig Exception(std::string name);
// A kException rule throwing `E(args...)`, e.g. Exception<GatewayError>("gw", 503, "busy").
template <class E, class... Args>
FaultConfig Exception(std::string name, Args... args) {
  FaultConfig config(std::move(name), FaultType::kException);
  config.Throws<E>(std::move(args)...);
  return config;
}
// A kDelay rule sleeping `delay` before the real call.
FAULTLINE_API FaultConfig Delay(std::string name, std::chrono::nanoseconds delay);
// A kTimeout rule sleeping `delay`, then throwing InjectedTimeout.
FAULTLINE_API FaultConfig Timeout(std::string name, std::chrono::nanoseconds delay);
// A kCorruption rule corrupting the wrapped call's result.
FAULTLINE_API FaultConfig Corruption(std::string name);
// A rule that never fires: Exception(name).Enabled(false), "off" in text. As a term of a chain
// (FaultConfig::Then) it lets the calls it takes pass: Off("x").MaxTriggers(3).Then(...).
FAULTLINE_API FaultConfig Off(std::string name);
// A kReturn rule returning `value` instead of making the call, e.g. Return("oom", -ENOMEM).
template <class T>
FaultConfig Return(std::string name, T value) {
  FaultConfig config(std::move(name), FaultType::kReturn);
  config.Returns(std::move(value));
  return config;
}
// A kReturn rule returning a new `factory()` each time it fires, for results that cannot be
// copied, e.g. ReturnWith("no-conn", [] { return std::unique_ptr<Connection>(); }).
template <class F>
FaultConfig ReturnWith(std::string name, F factory) {
  FaultConfig config(std::move(name), FaultType::kReturn);
  config.ReturnsWith(std::move(factory));
  return config;
}

// A kPause rule: a thread that reaches its target parks there until
// FaultInjector::Release(name), for at most kDefaultSyncTimeout of real time (.Delay changes
// it). A timeout fails the running test naming the rule; the thread then makes its call.
FAULTLINE_API FaultConfig Pause(std::string name);
// A kWait rule: a thread that reaches its target waits until some thread has reached `after`,
// for at most kDefaultSyncTimeout of real time (.Delay changes it), e.g. RocksDB's
// LoadDependency({{"A", "B"}}) is Wait("a-then-b", "A").Target("B"). A timeout fails the
// running test naming the rule and `after`. Throws std::invalid_argument when `after` is empty.
FAULTLINE_API FaultConfig Wait(std::string name, std::string after);

// A rule that fails a call with error number `code`, e.g. Errno("disk-full", ENOSPC): a
// kReturn rule whose value is SystemError{code}. At the system-call targets the call returns
// its failure value with errno set; Throws std::invalid_argument unless code > 0.
FAULTLINE_API FaultConfig Errno(std::string name, int code);
// A rule that makes a read or write transfer fewer bytes than asked (a kReturn rule whose
// value is ShortTransfer). A call asked for at most one byte is made in full.
FAULTLINE_API FaultConfig Partial(std::string name);

// One injected fault, as recorded by the injector.
struct FaultEvent {
  std::string rule;        // the rule that fired
  FaultType type;          // what it injected (of a chain: the term that fired)
  std::string target;      // the site it fired on
  std::uint64_t call = 0;  // 1-based ordinal of the call on that target
  std::uint64_t sequence = 0;  // 1-based order among all events of the injector
  std::thread::id thread;      // the calling thread
  std::chrono::nanoseconds timestamp{0};  // the injector's Clock at the fault
  // The full name of the test that owned the call ("Suite.Test"); empty outside any test and
  // without a test adapter.
  std::string test;
};

// Counters of one installed rule.
struct RuleStats {
  std::string name;
  std::string target;
  FaultType type = FaultType::kException;
  double probability = 0;      // configured
  std::uint64_t checks = 0;    // calls on which the rule was tried
  // Calls on the targets the rule matches (tried or not: an earlier rule may have fired);
  // 0 means the rule never reached its target.
  std::uint64_t target_calls = 0;
  std::uint64_t triggers = 0;  // calls on which it fired
  // triggers / checks, or 0 before the first check.
  double observed_rate() const { return checks == 0 ? 0.0 : double(triggers) / double(checks); }
};

// What the injector saw since construction or the last Reset().
struct HarnessStats {
  // Calls counted since the last Reset(): every call while the injector is enabled and counts
  // (a test is running, or a constructed injector), else only calls while some rule was
  // installed; a disabled injector counts nothing.
  std::uint64_t total_calls = 0;
  std::map<std::string, std::uint64_t> calls_per_target;
  std::uint64_t total_faults = 0;
  std::map<std::string, std::uint64_t> faults_per_rule;
  // Every rule added since the last Reset(), in the order added (removed ones included).
  std::vector<RuleStats> rules;
  // The first events, up to the injector's event limit.
  std::vector<FaultEvent> events;
  // Events not kept because the limit was reached.
  std::uint64_t dropped_events = 0;
};

// The outcome of one check: which rule fired on which call, or nothing (false).
// Exceptions, timeouts and delays are applied by the check itself; a Decision that
// converts to true carries a kReturn or kCorruption fault the caller applies.
struct Decision {
  // The rule that fired, shared with the injector so that it outlives the rule's removal;
  // null when nothing fired.
  std::shared_ptr<const FaultConfig> rule;
  std::uint64_t call = 0;    // 1-based ordinal on the target
  std::uint64_t stream = 0;  // seeds the corruption RNG for this decision

  explicit operator bool() const { return rule != nullptr; }
  FaultType type() const { return rule->type(); }
};

namespace internal {
template <class T>
struct ReturnStorage {
  using type = T;
};
template <>
struct ReturnStorage<const char*> {
  using type = std::string;
};
template <>
struct ReturnStorage<char*> {
  using type = std::string;
};
template <>
struct ReturnStorage<std::string_view> {
  using type = std::string;
};
template <class T>
using ReturnStorageT = typename std::conditional_t<
    std::is_same_v<T, bool>, ReturnStorage<bool>,
    std::conditional_t<
        std::is_integral_v<T>,
        std::conditional_t<std::is_signed_v<T>, ReturnStorage<std::int64_t>,
                           ReturnStorage<std::uint64_t>>,
        std::conditional_t<std::is_floating_point_v<T>, ReturnStorage<double>,
                           ReturnStorage<T>>>>::type;

// The value of a ReturnsWith rule: makes a result of type T each time the rule fires.
template <class T>
struct ReturnFactory {
  std::function<T()> make;
};

template <class T, class = void>
struct IsEqualityComparable : std::false_type {};
template <class T>
struct IsEqualityComparable<
    T, std::enable_if_t<std::is_convertible_v<
           decltype(std::declval<const T&>() == std::declval<const T&>()), bool>>>
    : std::true_type {};
}  // namespace internal

template <class T>
FaultConfig& FaultConfig::Returns(T value) {
  static_assert(std::is_copy_constructible_v<T>,
                "faultline: Return needs a copyable value; for a move-only result use "
                "ReturnWith(name, factory), whose factory makes a new value each time");
  if constexpr (std::is_copy_constructible_v<T>) {
    using Stored = internal::ReturnStorageT<std::decay_t<T>>;
    SetReturn<Stored, Stored>(Stored(std::move(value)));
  }
  return *this;
}

template <class F>
FaultConfig& FaultConfig::ReturnsWith(F factory) {
  static_assert(std::is_invocable_v<F&>,
                "faultline: ReturnWith needs a factory callable with no arguments");
  if constexpr (std::is_invocable_v<F&>) {
    using Made = std::invoke_result_t<F&>;
    static_assert(!std::is_void_v<Made>, "faultline: ReturnWith needs a factory that returns "
                                         "the value, not void");
    static_assert(!std::is_reference_v<Made>,
                  "faultline: ReturnWith needs a factory that returns a value, not a reference");
    static_assert(std::is_copy_constructible_v<F>,
                  "faultline: ReturnWith needs a copyable factory (it is copied with the rule)");
    if constexpr (!std::is_void_v<Made> && !std::is_reference_v<Made> &&
                  std::is_copy_constructible_v<F>) {
      using Value = std::remove_cv_t<Made>;
      SetReturn<internal::ReturnFactory<Value>, Value>(
          internal::ReturnFactory<Value>{std::function<Value()>(std::move(factory))});
    }
  }
  return *this;
}

template <class Stored, class Shown>
void FaultConfig::SetReturn(Stored value) {
  ReturnEquality equal = nullptr;
  if constexpr (internal::IsEqualityComparable<Stored>::value) {
    equal = [](const AnyValue& a, const AnyValue& b) {
      const Stored* x = AnyCast<Stored>(&a);
      const Stored* y = AnyCast<Stored>(&b);
      return x != nullptr && y != nullptr && static_cast<bool>(*x == *y);
    };
  }
  SetReturn(AnyValue(std::move(value)), internal::TypeName<Shown>(), equal);
}

template <class E, class... Args>
FaultConfig& FaultConfig::Throws(Args... args) {
  static_assert(std::is_copy_constructible_v<E>, "faultline: an exception type must be copyable");
  exception_type_name_ = internal::TypeName<E>();
#if defined(__cpp_exceptions)
  thrower_ = [args...]() { throw E(args...); };
#else
  static_cast<void>(sizeof...(args));
  static_assert(!std::is_same_v<E, E>,
                "faultline: a rule that throws a custom exception type is built where "
                "exceptions are on (this translation unit has them off)");
#endif
  return *this;
}

}  // namespace faultline
