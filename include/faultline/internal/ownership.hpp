// Internal: which test owns a fault. The test adapters declare the running test; a thread
// started while a test runs belongs to that test (the adapters track thread starts), so a
// thread a finished test left running never fires a later test's rules.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "faultline/export.hpp"

namespace faultline::internal {

// The id of the running test, 0 between tests.
extern FAULTLINE_API std::atomic<std::uint64_t> g_running_test;
// True once a test adapter manages the run: from then on a fault outside any test is noted.
extern FAULTLINE_API std::atomic<bool> g_tests_managed;
// SharedThreads scopes open on this thread.
extern FAULTLINE_API __thread int t_shared_threads_depth __attribute__((tls_model("initial-exec")));

// Declares `name` the running test and returns its id (never 0).
FAULTLINE_API std::uint64_t BeginTestOwnership(std::string name);
// Declares that no test runs.
FAULTLINE_API void EndTestOwnership();

// The test a thread was started by, captured when it starts and adopted by the new thread.
struct ThreadOwner {
  std::uint64_t test = 0;                  // 0: serves whichever test runs
  std::shared_ptr<const std::string> name;  // the test's full name
};
// The owner a thread started now on this thread gets: the running test, or none between tests
// and inside a SharedThreads scope.
FAULTLINE_API ThreadOwner OwnerForNewThread();
// Makes `owner` this thread's owner; called first on a new thread.
FAULTLINE_API void AdoptOwner(ThreadOwner owner);

// Called when `rule` is about to fire on `target` on this thread. Returns false when the thread
// was started by a test that has ended: the fault is not injected, and a note says so. Otherwise
// sets `*test` to the running test's name (null outside any test, which is noted when a test
// adapter manages the run).
FAULTLINE_API bool ClaimFault(const std::string& rule, const std::string& target,
                              std::shared_ptr<const std::string>* test);

// Records a note for the user: something the harness did not do, or did outside any test.
// Identical notes are counted, not repeated, and at most a bounded number are kept.
FAULTLINE_API void ReportNote(const std::string& message);
// The notes reported since the last call, oldest first, each with its count when above one.
FAULTLINE_API std::vector<std::string> TakeNotes();

}  // namespace faultline::internal
