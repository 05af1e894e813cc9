// Thread starts, seen by the test adapters: a thread started while a test runs belongs to that
// test (see faultline/internal/ownership.hpp). pthread_create is defined here and exported from
// the test executable, so it comes first for every caller, std::thread in libstdc++ included,
// and forwards to the next definition (libc's, or a sanitizer runtime's). A shared faultline
// under ThreadSanitizer comes second instead (see Preempted).
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <new>
#include <utility>

#include "faultline/internal/call_context.hpp"
#include "faultline/internal/ownership.hpp"
#include "faultline/internal/session.hpp"

namespace {

using StartRoutine = void* (*)(void*);
using CreateFunction = int (*)(pthread_t*, const pthread_attr_t*, StartRoutine, void*);

CreateFunction RealCreate() {
  static const auto real = reinterpret_cast<CreateFunction>(dlsym(RTLD_NEXT, "pthread_create"));
  return real;
}

// True when ThreadSanitizer's pthread_create comes before this one and calls it (its runtime
// ahead of a shared faultline): its own start routine must run first on the new thread, so
// this one cannot run code there before it, and threads go unowned (said once). Other
// interposers ahead of it (AddressSanitizer's) start threads this one can still wrap.
bool Preempted() {
  static const bool preempted = [] {
    Dl_info first{};
    Dl_info own{};
    void* const found = dlsym(RTLD_DEFAULT, "pthread_create");
    if (found == nullptr || dladdr(found, &first) == 0 ||
        dladdr(reinterpret_cast<void*>(&RealCreate), &own) == 0) {
      return false;
    }
    if (first.dli_fbase == own.dli_fbase || dlsym(RTLD_DEFAULT, "__tsan_init") == nullptr) {
      return false;
    }
    static const char kNote[] =
        "[faultline] note: ThreadSanitizer's pthread_create comes before faultline's: threads a test starts do not belong to it, and a thread an ended test "
        "left running can get the faults of the next. Link faultline statically to keep "
        "them apart.\n";
    faultline::internal::HarnessScope scope;  // a rule on posix.write must not fire here
    static_cast<void>(!write(2, kNote, sizeof(kNote) - 1));
    return true;
  }();
  return preempted;
}

struct OwnedStart {
  StartRoutine routine;
  void* argument;
  faultline::internal::ThreadOwner owner;
};

void* StartOwned(void* raw) {
  std::unique_ptr<OwnedStart> start(static_cast<OwnedStart*>(raw));
  faultline::internal::AdoptOwner(std::move(start->owner));
  const StartRoutine routine = start->routine;
  void* argument = start->argument;
  {
    faultline::internal::HarnessScope scope;  // the free is the harness's, never faulted
    start.reset();
  }
  return routine(argument);
}

}  // namespace

// Default visibility whatever the build's: the executable exports it (see plugin/CMakeLists.txt).
extern "C" __attribute__((visibility("default"))) int pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                              StartRoutine routine, void* argument) {
  const CreateFunction real = RealCreate();
  if (real == nullptr) return EAGAIN;
  if (faultline::internal::g_running_test.load(std::memory_order_relaxed) == 0 || Preempted()) {
    return real(thread, attributes, routine, argument);  // no owner to pass on
  }
  OwnedStart* start = nullptr;
  {
    faultline::internal::HarnessScope scope;
    start = new (std::nothrow) OwnedStart{routine, argument, faultline::internal::OwnerForNewThread()};
  }
  if (start == nullptr) return EAGAIN;
  const int result = real(thread, attributes, &StartOwned, start);
  if (result != 0) {
    faultline::internal::HarnessScope scope;
    delete start;
  }
  return result;
}

namespace faultline::internal {

void TrackThreadStarts() {
  g_tests_managed.store(true, std::memory_order_relaxed);
  RealCreate();  // resolved now, before any test's threads start
  Preempted();   // and said now, at start-up, not in a test's output
}

}  // namespace faultline::internal
