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

}  // namespace faultline::posix
