// The interposer's side of a check: which fault, if any, one system call or allocation gets.
#pragma once

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "faultline/injector.hpp"

namespace faultline::posix::internal {

using faultline::internal::CallContext;

// True while this thread looks a real function up: dlsym may allocate, and an allocation
// function must not then look itself up again.
extern __thread bool t_resolving __attribute__((tls_model("initial-exec")));

// Calls the function an interposed one forwards to: the next definition after ours (libc's, or
// a sanitizer runtime's), looked up on first use. While this thread is looking one up, calls
// `fallback` instead (the allocation functions' arena).
template <class F>
class RealFunction {
 public:
  explicit constexpr RealFunction(const char* name, F fallback = nullptr)
      : name_(name), fallback_(fallback) {}
  // Both paths end in a tail call, and the checked paths are out of line and take calls that
  // capture by value (a local captured by reference needs a stack slot on every path): the
  // disarmed path of an interposed function is two loads, two branches and a jump to the real
  // one, with no frame.
  template <class... Args>
  auto operator()(Args... args) {
    F function = function_.load(std::memory_order_relaxed);
    if (__builtin_expect(function != nullptr, 1)) return function(args...);
    return ResolveAndCall(args...);
  }

 private:
  template <class... Args>
  __attribute__((noinline, cold)) auto ResolveAndCall(Args... args) {
    F function = Resolve();
    return (function != nullptr ? function : fallback_)(args...);
  }
  F Resolve() {
    if (t_resolving) return nullptr;
    // The lookup's own allocations are never checked.
    faultline::internal::HarnessScope scope;
    t_resolving = true;
    F function = reinterpret_cast<F>(dlsym(RTLD_NEXT, name_));
    t_resolving = false;
    if (function == nullptr) {
      // No stdio: it may allocate, and this may be the allocator's lookup.
      static const char kMessage[] = "[faultline] cannot find a real libc function\n";
      static_cast<void>(::write(2, kMessage, sizeof(kMessage) - 1));
      std::abort();
    }
    function_.store(function, std::memory_order_relaxed);
    return function;
  }
  std::atomic<F> function_{nullptr};
  const char* name_;
  F fallback_;
};

// True while the current injector is armed (a test runs): the one load of a disarmed call.
// Expected false: the disarmed path falls through, its one taken branch the jump to the real
// function.
inline bool Armed() {
  return __builtin_expect(faultline::internal::g_current_armed.load(std::memory_order_relaxed),
                          false);
}

// One target ("posix.write") and the error its calls fail with when a rule names none.
struct Target {
  const char* name;
  int default_error;
  std::atomic<std::uint32_t> id{kUnset};
  static constexpr std::uint32_t kUnset = ~std::uint32_t{0};
};

// What a call gets.
struct Fault {
  enum Kind {
    kNone,     // make the call
    kError,    // fail with `error`
    kPartial,  // transfer fewer bytes (drawn from `stream`)
    kValue,    // return `value` without the call
    kCorrupt,  // make the call, then corrupt the bytes it transferred (from `stream`)
  };
  Fault(Kind fault_kind = kNone, int error_number = 0, long long result = 0,
        std::uint64_t bits = 0)
      : kind(fault_kind), error(error_number), value(result), stream(bits) {}
  Kind kind = kNone;
  int error = 0;
  long long value = 0;
  std::uint64_t stream = 0;
  // A custom exception rule at an allocation target that may throw (operator new).
  std::shared_ptr<const FaultConfig> rule;
};

// Checks a call of `target` about `context` on the current injector, or returns kNone when the
// call is not eligible (on one of the framework's own descriptors). Call only when Armed(); the
// caller holds a HarnessScope for the whole call, so nothing the check or the real call does is
// faulted.
Fault Check(Target& target, const CallContext& context);

// The count a partial transfer of `asked` bytes (or items) moves: in [1, asked - 1].
inline std::size_t PartialCount(std::size_t asked, std::uint64_t stream) {
  return asked <= 1 ? asked : 1 + static_cast<std::size_t>(stream % (asked - 1));
}

// Flips one bit of `data[0, size)`, chosen by `stream`.
void CorruptBytes(void* data, std::size_t size, std::uint64_t stream);

// Remembers that descriptor `fd` was opened on `path` (relative to descriptor `dir`, or to
// the working directory when dir is AT_FDCWD); forgets it when path is null. Either way the
// number is no longer one of the framework's descriptors.
void RememberPath(int fd, int dir, const char* path);

}  // namespace faultline::posix::internal
