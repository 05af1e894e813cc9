// Internal: what the system-call interposer tells the engine about a call, and the per-thread
// state that keeps faults out of harness code.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "faultline/export.hpp"

namespace faultline::internal {

// Depth of harness code on this thread: faultline's own work and the test frameworks' output.
// The system-call and allocation interposer neither faults nor counts a call made while it is
// non-zero, which is also what keeps it from recursing into itself.
extern FAULTLINE_API __thread int t_harness_depth __attribute__((tls_model("initial-exec")));
// faultline::posix::OnlyIn scopes open on this thread; rules marked Scoped() fire only inside.
extern FAULTLINE_API __thread int t_only_in_depth __attribute__((tls_model("initial-exec")));

// Marks this thread as running harness code for its lifetime.
class HarnessScope {
 public:
  HarnessScope() { ++t_harness_depth; }
  ~HarnessScope() { --t_harness_depth; }
  HarnessScope(const HarnessScope&) = delete;
  HarnessScope& operator=(const HarnessScope&) = delete;
};

// Runs user code from inside harness code (the body of a sweep run, from the sweep's own
// bookkeeping): its calls are eligible again until the scope ends.
class UserCodeScope {
 public:
  UserCodeScope() : saved_(t_harness_depth) { t_harness_depth = 0; }
  ~UserCodeScope() { t_harness_depth = saved_; }
  UserCodeScope(const UserCodeScope&) = delete;
  UserCodeScope& operator=(const UserCodeScope&) = delete;

 private:
  int saved_;
};

// A mutex held by harness code: nothing this thread does while holding it is faulted, so a rule
// on an allocation target can never fire into a lock the thread already holds.
class HarnessLock {
 public:
  explicit HarnessLock(std::mutex& mutex) : lock_(mutex) {}

 private:
  HarnessScope scope_;  // first: the lock is taken inside the scope
  std::lock_guard<std::mutex> lock_;
};

// What an interposed call is about, for the Path, Sizes and Scoped filters of rules.
struct CallContext {
  const char* path = nullptr;  // the file the call names, or null
  int descriptor = -1;         // the descriptor it works on (its path is looked up on demand)
  std::size_t size = 0;        // bytes allocated or asked to transfer, when has_size
  bool has_size = false;
};

// The path descriptor `fd` was opened with, or null when unknown. Installed by the interposer;
// called inside a check's epoch, so the string it returns must stay valid until the epoch ends.
using DescriptorPathFunction = const char* (*)(int fd);
extern FAULTLINE_API std::atomic<DescriptorPathFunction> g_descriptor_path;

// The descriptors open in this process now, ascending.
FAULTLINE_API std::vector<int> OpenDescriptors();
// Marks the descriptors open now and not in `before` as the test framework's own (a report
// file given with Catch2's -o, gtest's --gtest_stream_result_to socket): faultline's mains take
// `before` just ahead of the framework's set-up. The interposer never faults calls on them;
// opening or closing a descriptor number forgets it.
FAULTLINE_API void MarkFrameworkDescriptors(const std::vector<int>& before);
FAULTLINE_API bool IsFrameworkDescriptor(int fd);
FAULTLINE_API void ForgetFrameworkDescriptor(int fd);

// Records a misuse found where nothing can be thrown (inside an interposed C call), such as a
// return value a system call cannot return; the test adapters fail the running test with it.
FAULTLINE_API void ReportProblem(std::string message);
// The problems reported since the last call, oldest first.
FAULTLINE_API std::vector<std::string> TakeProblems();

}  // namespace faultline::internal
