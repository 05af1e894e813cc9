// What faultline::posix adds to a libc call: write(fd, 1 byte) to /dev/null and malloc + free
// of 32 bytes. Built twice from this source: faultline_posix_bench links faultline::posix, whose
// write, malloc and free come before libc's; faultline_posix_bench_plain does not, so its calls
// are libc's own. bench/run.py runs the two in alternation and divides their medians.
// The "libc_pointer" cases call libc through the pointer dlsym(RTLD_NEXT) gives, bypassing any
// interposer: the same in both binaries, they show what the binaries differ by apart from it.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#if defined(FAULTLINE_BENCH_INTERPOSED)
#include "faultline/injector.hpp"
#endif

namespace faultline_bench {
namespace {

int DevNull() {
  static const int fd = [] {
    const int opened = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (opened < 0) {
      std::perror("open /dev/null");
      std::exit(1);
    }
    return opened;
  }();
  return fd;
}

// libc's definition of `name`, whatever comes before it.
template <class F>
F Libc(const char* name) {
  F function = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (function == nullptr) {
    std::fprintf(stderr, "dlsym(RTLD_NEXT, %s): %s\n", name, dlerror());
    std::exit(1);
  }
  return function;
}

void BM_Write(benchmark::State& state) {
  const int fd = DevNull();
  const char byte = 'x';
  for (auto _ : state) {
    ssize_t written = write(fd, &byte, 1);
    benchmark::DoNotOptimize(written);
  }
}

void BM_WriteLibcPointer(benchmark::State& state) {
  const int fd = DevNull();
  const char byte = 'x';
  // Read through a volatile each time so the call stays indirect, as through the PLT.
  static decltype(&::write) const volatile real = Libc<decltype(&::write)>("write");
  for (auto _ : state) {
    ssize_t written = real(fd, &byte, 1);
    benchmark::DoNotOptimize(written);
  }
}

// DoNotOptimize lets the pointer escape: the compiler may not drop the pair.
void BM_MallocFree(benchmark::State& state) {
  for (auto _ : state) {
    void* memory = std::malloc(32);
    benchmark::DoNotOptimize(memory);
    std::free(memory);
  }
}

void BM_MallocFreeLibcPointer(benchmark::State& state) {
  using Malloc = void* (*)(std::size_t);
  using Free = void (*)(void*);
  static Malloc const volatile real_malloc = Libc<Malloc>("malloc");
  static Free const volatile real_free = Libc<Free>("free");
  for (auto _ : state) {
    void* memory = real_malloc(32);
    benchmark::DoNotOptimize(memory);
    real_free(memory);
  }
}

BENCHMARK(BM_Write)->Name("posix/write_devnull_1B/disarmed");
BENCHMARK(BM_WriteLibcPointer)->Name("posix/write_devnull_1B/libc_pointer");
BENCHMARK(BM_MallocFree)->Name("posix/malloc_free_32B/disarmed");
BENCHMARK(BM_MallocFreeLibcPointer)->Name("posix/malloc_free_32B/libc_pointer");

#if defined(FAULTLINE_BENCH_INTERPOSED)
// Inside a test: the current injector counts every call (armed), with no rule anywhere or with
// one rule on a target these calls are not. Teardown disarms it again for the next case.
void Arm() {
  faultline::Current().Reset();
  faultline::Current().CountCalls(true);
}
void SetupArmed(const benchmark::State&) { Arm(); }
void SetupArmedRuleElsewhere(const benchmark::State&) {
  Arm();
  faultline::Current().AddRule(faultline::Errno("fsync-fails", EIO).Target("posix.fsync"));
}
void Disarm(const benchmark::State&) {
  faultline::Current().Reset();
  faultline::Current().CountCalls(false);
}

BENCHMARK(BM_Write)
    ->Name("posix/write_devnull_1B/armed/no_rule")
    ->Setup(SetupArmed)
    ->Teardown(Disarm);
BENCHMARK(BM_Write)
    ->Name("posix/write_devnull_1B/armed/rule_elsewhere")
    ->Setup(SetupArmedRuleElsewhere)
    ->Teardown(Disarm);
BENCHMARK(BM_MallocFree)
    ->Name("posix/malloc_free_32B/armed/no_rule")
    ->Setup(SetupArmed)
    ->Teardown(Disarm);
BENCHMARK(BM_MallocFree)
    ->Name("posix/malloc_free_32B/armed/rule_elsewhere")
    ->Setup(SetupArmedRuleElsewhere)
    ->Teardown(Disarm);
#endif

}  // namespace
}  // namespace faultline_bench

int main(int argc, char** argv) {
#if defined(FAULTLINE_BENCH_INTERPOSED)
  benchmark::AddCustomContext("interposer", "faultline::posix");
#else
  benchmark::AddCustomContext("interposer", "none");
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
