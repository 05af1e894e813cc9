// faultline: named fault points in production code.
//
//   int ReadBlock(Block& out) {
//     if (FAULTLINE_POINT("db.read")) return -EIO;  // a kReturn rule on "db.read" fired
//     ...
//   }
//
// FAULTLINE_POINT("name") checks the target "name" on faultline::Current(): exception and
// timeout rules throw from the point (in code built without exceptions they are reported as a
// harness error and the point is false), delay rules sleep, and kReturn / kCorruption rules
// make the expression a true faultline::Decision the code acts on. The name must be a string
// literal (it is interned once, in a static). With FAULTLINE_DISABLED defined the expression is
// a constant false (a Decision-like value that is never true) and the point costs nothing.
//
// faultline::Call("name", callable) is a fault point around a call with a result, for
// decorators: one line per method, with the error mapping of error_mapping.hpp.
#pragma once

#include <cstdint>
#include <type_traits>

#include "faultline/fault.hpp"

#if defined(FAULTLINE_DISABLED)

namespace faultline::internal {
// What a compiled-out fault point evaluates to: a Decision that is a constant false. Its members
// read like Decision's (`rule->`, `call`, `stream`, `type()`), so code acting on a point
// compiles in both builds.
struct CompiledOutDecision {
  const FaultConfig* rule = nullptr;
  std::uint64_t call = 0;
  std::uint64_t stream = 0;
  constexpr explicit operator bool() const { return false; }
  constexpr FaultType type() const { return FaultType::kReturn; }
  operator Decision() const { return Decision{}; }  // NOLINT(google-explicit-constructor)
};
}  // namespace faultline::internal

#define FAULTLINE_POINT(name) \
  (static_cast<void>(sizeof(name)), ::faultline::internal::CompiledOutDecision{})

namespace faultline {
// Named apart from the enabled versions, which take the same arguments.
inline namespace disabled {
// Compiled out: makes the call.
template <class F>
std::invoke_result_t<F&> Call(const char* target, F&& callable) {
  static_cast<void>(target);
  return callable();
}
// Compiled out: the callback itself.
template <class Result, class F>
F Callback(const char* target, F callback) {
  static_cast<void>(target);
  return callback;
}
}  // namespace disabled
}  // namespace faultline

#else

#include "faultline/injector.hpp"

namespace faultline::internal {
inline namespace FAULTLINE_EXCEPTION_MODE {
// A fault point's process-wide id, interned once per point.
class Point {
 public:
  explicit Point(const char* name) : id_(PointId(name)) {}
  // Once FAULTLINE_POINT has seen g_current_armed set: an injector was current then (the flag
  // is set with release after it), so no test for none is needed.
  Decision Check() const {
#if defined(__cpp_exceptions)
#if defined(__SANITIZE_THREAD__)
    // GCC refuses fences under ThreadSanitizer: the same order from an acquire load.
    static_cast<void>(internal::g_current_armed.load(std::memory_order_acquire));
#else
    std::atomic_thread_fence(std::memory_order_acquire);
#endif
    return internal::g_current.load(std::memory_order_acquire)->CheckPoint(id_);
#else
    return CheckPointWithoutExceptions(id_);
#endif
  }

 private:
  std::uint32_t id_;
};
}  // namespace FAULTLINE_EXCEPTION_MODE

// The point id of `target` for the calls of faultline::Call with a callable of type F: interned
// once, as a lambda expression's type is unique to it. A callable type used with several
// targets (a lambda in a helper taking the target) interns each other target on every call.
template <class F>
std::uint32_t CallPointId(const char* target) {
  static const char* const first = target;
  static const std::uint32_t id = PointId(first);
  return target == first ? id : PointId(target);
}
}  // namespace faultline::internal

namespace faultline {
inline namespace FAULTLINE_EXCEPTION_MODE {
// One line per method of a hand-written decorator: checks `target` on faultline::Current(),
// then calls `callable()` and returns its result, or the fault's. Exception and timeout rules
// throw, or become the result's error where its type has an error mapping (a user Status,
// always; see error_mapping.hpp), kReturn rules return their value (or the error it maps to),
// delays sleep, corruptions corrupt the result. `target` must live as long as the program (a
// string literal); it is interned once per callable type, which is once per call site for a
// lambda. A function pointer or std::function passed with several targets looks the others up
// on each call. Disarmed, a call costs one relaxed load.
//
//   Status Sync() override {
//     return faultline::Call("Env::Sync", [&] { return base_->Sync(); });
//   }
template <class F>
std::invoke_result_t<F&> Call(const char* target, F&& callable) {
  using R = std::invoke_result_t<F&>;
  if (!internal::g_current_armed.load(std::memory_order_relaxed)) return callable();
  FaultInjector& injector = Current();
  return internal::InvokeWithFaults<R>(
      injector, injector.SiteFor(internal::CallPointId<std::decay_t<F>>(target)), callable);
}

// Faults a completion callback that receives its operation's result (a Status, an error code,
// ...) as its one argument: each call first checks `target` (interned here, once) on
// faultline::Current(), then calls `callback` with the result, or with the fault's: the error
// of Result's error mapping for an exception or timeout rule (see error_mapping.hpp; a
// built-in mapping throws unless opted in), a kReturn rule's value; delays delay the callback.
//
//   db.ReadAsync(key, faultline::Callback<Status>("Db::ReadAsync", std::move(done)));
template <class Result, class F>
auto Callback(const char* target, F callback) {
  return [id = internal::PointId(target), callback = std::move(callback)](Result result) mutable {
    if (!internal::g_current_armed.load(std::memory_order_relaxed)) {
      return callback(std::move(result));
    }
    FaultInjector& injector = Current();
    return callback(internal::InvokeWithFaults<Result>(
        injector, injector.SiteFor(id), [&]() -> Result { return std::move(result); }));
  };
}
}  // namespace FAULTLINE_EXCEPTION_MODE
}  // namespace faultline

#define FAULTLINE_POINT(name)                                                   \
  (::faultline::internal::g_current_armed.load(std::memory_order_relaxed)       \
       ? [] {                                                                   \
           static const ::faultline::internal::Point faultline_internal_point( \
               name);                                                           \
           return faultline_internal_point.Check();                             \
         }()                                                                    \
       : ::faultline::Decision{})

#endif
