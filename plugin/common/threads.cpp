// Thread starts, seen by the test adapters: a thread started while a test runs belongs to that
// test (see faultline/internal/ownership.hpp). pthread_create is defined here and exported from
// the test executable, so it comes first for every caller, std::thread in libstdc++ included,
// and forwards to the next definition (libc's, or a sanitizer runtime's).
#include <dlfcn.h>
#include <pthread.h>

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
  if (faultline::internal::g_running_test.load(std::memory_order_relaxed) == 0) {
    return real(thread, attributes, routine, argument);  // outside tests: no owner to pass on
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
}

}  // namespace faultline::internal
