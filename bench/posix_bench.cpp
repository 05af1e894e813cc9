// What faultline::posix adds to a libc call: write(fd, 1 byte) to /dev/null and malloc + free
// of 32 bytes. Built twice from this source: faultline_posix_bench links faultline::posix, whose
// write, malloc and free come before libc's; faultline_posix_bench_plain does not, so its calls
// are libc's own. bench/run.py runs the two in alternation and divides their medians.
// The "libc_pointer" cases call libc through the pointer dlsym(RTLD_NEXT) gives, bypassing any
// interposer, and the "model" cases through the least an interposer can do (below): the same in
// both binaries, they show what the binaries differ by apart from the interposer, and how far
// the interposer is from its limit in the same process.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
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

using WriteFunction = ssize_t (*)(int, const void*, std::size_t);
using MallocFunction = void* (*)(std::size_t);
using FreeFunction = void (*)(void*);

// The limit of an interposer as faultline::posix is specified: a function called directly that
// loads an armed flag, then jumps through a pointer to libc's function (the pointer load and
// the jump are what the PLT does anyway). free is no target: it checks no flag. noipa: not
// specialized for the constant arguments of the loops.
std::atomic<bool> g_model_armed{false};
std::atomic<WriteFunction> g_model_write{nullptr};
std::atomic<MallocFunction> g_model_malloc{nullptr};
std::atomic<FreeFunction> g_model_free{nullptr};

__attribute__((noipa)) ssize_t ModelWrite(int fd, const void* data, std::size_t n) {
  if (__builtin_expect(g_model_armed.load(std::memory_order_relaxed), false)) return -1;
  return g_model_write.load(std::memory_order_relaxed)(fd, data, n);
}
__attribute__((noipa)) void* ModelMalloc(std::size_t size) {
  if (__builtin_expect(g_model_armed.load(std::memory_order_relaxed), false)) return nullptr;
  return g_model_malloc.load(std::memory_order_relaxed)(size);
}
__attribute__((noipa)) void ModelFree(void* memory) {
  g_model_free.load(std::memory_order_relaxed)(memory);
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
  static WriteFunction const volatile real = Libc<WriteFunction>("write");
  for (auto _ : state) {
    ssize_t written = real(fd, &byte, 1);
    benchmark::DoNotOptimize(written);
  }
}

void BM_WriteModel(benchmark::State& state) {
  const int fd = DevNull();
  const char byte = 'x';
  g_model_write.store(Libc<WriteFunction>("write"));
  for (auto _ : state) {
    ssize_t written = ModelWrite(fd, &byte, 1);
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
  static MallocFunction const volatile real_malloc = Libc<MallocFunction>("malloc");
  static FreeFunction const volatile real_free = Libc<FreeFunction>("free");
  for (auto _ : state) {
    void* memory = real_malloc(32);
    benchmark::DoNotOptimize(memory);
    real_free(memory);
  }
}

void BM_MallocFreeModel(benchmark::State& state) {
  g_model_malloc.store(Libc<MallocFunction>("malloc"));
  g_model_free.store(Libc<FreeFunction>("free"));
  for (auto _ : state) {
    void* memory = ModelMalloc(32);
    benchmark::DoNotOptimize(memory);
    ModelFree(memory);
  }
}

BENCHMARK(BM_Write)->Name("posix/write_devnull_1B/disarmed");
BENCHMARK(BM_WriteLibcPointer)->Name("posix/write_devnull_1B/libc_pointer");
BENCHMARK(BM_MallocFree)->Name("posix/malloc_free_32B/disarmed");
BENCHMARK(BM_MallocFreeLibcPointer)->Name("posix/malloc_free_32B/libc_pointer");
BENCHMARK(BM_WriteModel)->Name("posix/write_devnull_1B/model");
BENCHMARK(BM_MallocFreeModel)->Name("posix/malloc_free_32B/model");

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
