// faultline: faults in system calls and allocations that nobody wrapped.
//
// Link faultline::posix into a test executable and the libc entry points where error handling
// lives become targets, in your code and in the libraries it calls, unchanged:
//
//   FAULTLINE_TEST(Store, SurvivesDiskFull,
//                  faultline::Expected(faultline::Errno("disk-full", ENOSPC)
//                                          .Target("posix.write")
//                                          .Path("*.db")))
//   { ... }
//
// Targets are "posix.<function>" (posix.write, posix.fsync, posix.connect, ...) and
// "alloc.<function>" (alloc.malloc, alloc.new, alloc.new_array, ...); docs/posix.md lists them
// with their default errors. Faults fire only while a test runs, on the current injector, never
// in faultline's own code, the frameworks' output or the standard streams (descriptors 0-2).
// With no test running a call costs one relaxed load and the call of the real function.
#pragma once

#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "faultline/explore.hpp"
#include "faultline/fault.hpp"
#include "faultline/internal/call_context.hpp"

namespace faultline::posix {

// While it lives, calls on this thread are in scope: a rule marked Scoped() (`@scoped`) fires
// only in scope, so a fixture's own I/O outside it never fails. Nests; not movable.
class OnlyIn {
 public:
  OnlyIn() { ++internal::t_only_in_depth; }
  ~OnlyIn() { --internal::t_only_in_depth; }
  OnlyIn(const OnlyIn&) = delete;
  OnlyIn& operator=(const OnlyIn&) = delete;
};

// The fault an allocation sweep places: every allocation target ("alloc.*"), only inside
// OnlyIn scopes, so that it fails the operation's allocations and never the check's.
inline FaultConfig AllocationFailure(std::string name = "allocation-fails") {
  return Exception(std::move(name)).Target("alloc.*").Scoped();
}

// One run of an allocation sweep: `operation` inside an OnlyIn scope, where a std::bad_alloc
// it lets escape is what a failed allocation should produce, then `check(threw)` outside it,
// which verifies the invariants (the strong guarantee: state unchanged when `threw`) and fails
// the run by throwing, or by an assertion under a test adapter's runner.
inline std::function<void()> ExceptionSafetyRun(std::function<void()> operation,
                                                std::function<void(bool threw)> check) {
  return [operation = std::move(operation), check = std::move(check)] {
    bool threw = false;
    try {
      OnlyIn scope;
      operation();
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    check(threw);
  };
}

namespace internal {
// A sweep that passed without reaching an allocation target tested nothing: the executable
// does not link faultline::posix.
inline bool ReachedNoAllocation(const SweepResult& result) {
  return result.targets.empty() && result.passed() && !result.replayed;
}
inline constexpr char kNoAllocationReached[] =
    "faultline: SweepAllocations: no allocation target was reached; link faultline::posix into "
    "the test executable";
}  // namespace internal

// Sweeps every allocation `operation` makes, the way standard-library implementers test
// exception safety: run k fails the k-th call of each allocation target in turn (operator new
// throws std::bad_alloc, malloc returns null) until no run reaches one more, and `check(threw)`
// verifies the invariants after each run. `options` may set the injector, runner and budget;
// its faults are replaced. Throws std::logic_error when no allocation target was reached
// (faultline::posix is not linked into the executable). In a gtest FaultTest, use its
// SweepAllocations, which reports failures as the test's.
inline SweepResult SweepAllocations(std::function<void()> operation,
                                    std::function<void(bool threw)> check,
                                    SweepOptions options = {}) {
  options.faults = {AllocationFailure()};
  SweepResult result =
      Sweep(options, ExceptionSafetyRun(std::move(operation), std::move(check)));
  if (internal::ReachedNoAllocation(result)) {
    throw std::logic_error(internal::kNoAllocationReached);
  }
  return result;
}

}  // namespace faultline::posix
