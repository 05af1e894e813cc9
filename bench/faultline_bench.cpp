// The per-call cost of one fault check on "db.read", one check per iteration, beside the
// physical limit (a relaxed load of an atomic flag and a predictable branch), libfiu and a
// naive port of the original harness. bench/run.py runs it and prints the table of README.md.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "allocation_count.hpp"
#include "faultline/injector.hpp"
#include "faultline/point.hpp"
#include "naive_injector.hpp"
#include "scenarios.hpp"

#if defined(FAULTLINE_BENCH_GMOCK)
#include <gmock/gmock.h>
#endif
#if defined(FAULTLINE_BENCH_INJECT)
#include "faultline/gtest.hpp"
#endif
#if defined(FAULTLINE_BENCH_LIBFIU)
#include <fiu-control.h>
#include <fiu.h>
#endif

namespace faultline_bench {
namespace {

// The current injector of every faultline case (main makes it current).
faultline::FaultInjector& Injector() {
  static faultline::FaultInjector injector;
  return injector;
}

// Reports the calling thread's allocations per iteration of the timed loop as "allocs/iter".
class AllocationsPerIteration {
 public:
  explicit AllocationsPerIteration(benchmark::State& state)
      : state_(state), before_(ThreadAllocations()) {}
  ~AllocationsPerIteration() {
    state_.counters["allocs/iter"] = benchmark::Counter(
        static_cast<double>(ThreadAllocations() - before_), benchmark::Counter::kAvgIterations);
  }
  AllocationsPerIteration(const AllocationsPerIteration&) = delete;
  AllocationsPerIteration& operator=(const AllocationsPerIteration&) = delete;

 private:
  benchmark::State& state_;
  std::uint64_t before_;
};

// ---- 1. The empty loop and the physical-limit model ----

std::atomic<bool> g_flag{false};

__attribute__((noinline)) bool FlagSlowPath(const char* target) {
  benchmark::DoNotOptimize(target);
  return true;
}
inline bool FlagCheck(const char* target) {
  if (__builtin_expect(g_flag.load(std::memory_order_relaxed), false)) {
    return FlagSlowPath(target);
  }
  return false;
}
__attribute__((noinline)) bool FlagCheckCall(const char* target) { return FlagCheck(target); }

void BM_Baseline(benchmark::State& state) {
  for (auto _ : state) {
    bool fired = false;
    benchmark::DoNotOptimize(fired);
  }
}

void BM_Flag(benchmark::State& state) {
  for (auto _ : state) {
    bool fired = FlagCheck("db.read");
    benchmark::DoNotOptimize(fired);
  }
}

void BM_FlagCall(benchmark::State& state) {
  for (auto _ : state) {
    bool fired = FlagCheckCall("db.read");
    benchmark::DoNotOptimize(fired);
  }
}

// The physical limit of a counted call: the flag, then a relaxed increment of the call's own
// counter (what every call costs inside a test, so that ordinals never depend on rules).
void BM_FlagAndCount(benchmark::State& state) {
  alignas(64) static std::atomic<std::uint64_t> calls{0};
  for (auto _ : state) {
    bool fired = FlagCheck("db.read");
    if (!fired) calls.fetch_add(1, std::memory_order_relaxed);
    benchmark::DoNotOptimize(fired);
  }
}

BENCHMARK(BM_Baseline)->Name("baseline/empty_loop");
BENCHMARK(BM_FlagAndCount)->Name("model/atomic_flag_and_count");
BENCHMARK(BM_Flag)->Name("model/atomic_flag")->Threads(1)->Threads(2);
BENCHMARK(BM_FlagCall)->Name("model/atomic_flag_noinline_call");

// ---- 2-5. FAULTLINE_POINT("db.read") in the injector states of scenarios.hpp ----

void BM_Point(benchmark::State& state) {
  const AllocationsPerIteration allocations(state);
  for (auto _ : state) {
    bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
    benchmark::DoNotOptimize(fired);
  }
}

// Thread 0 checks "db.read", thread 1 "db.write": two targets with no shared write.
void BM_PointPerThreadTarget(benchmark::State& state) {
  const AllocationsPerIteration allocations(state);
  if (state.thread_index() == 0) {
    for (auto _ : state) {
      bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
      benchmark::DoNotOptimize(fired);
    }
  } else {
    for (auto _ : state) {
      bool fired = static_cast<bool>(FAULTLINE_POINT("db.write"));
      benchmark::DoNotOptimize(fired);
    }
  }
}

void SetupDisarmed(const benchmark::State&) { ResetInjector(Injector()); }
void SetupDisabled(const benchmark::State&) {
  ResetInjector(Injector());
  AddOtherRules(Injector(), 100, OtherTargets::kExact);
  AddRuleOn(Injector(), "db.read", 0.0);
  Injector().Disable();
}
template <int kCount, OtherTargets kTargets>
void SetupOthers(const benchmark::State&) {
  ResetInjector(Injector());
  AddOtherRules(Injector(), kCount, kTargets);
}
// A rule on "db.read" (and one on "db.write") firing with probability kPerMillion / 1e6,
// beside 100 rules on other targets.
template <int kPerMillion>
void SetupRuleHere(const benchmark::State&) {
  ResetInjector(Injector());
  AddOtherRules(Injector(), 100, OtherTargets::kExact);
  AddRuleOn(Injector(), "db.read", kPerMillion / 1e6);
  AddRuleOn(Injector(), "db.write", kPerMillion / 1e6);
}
// One rule on "db.*" that never fires: both threads update its check counter.
void SetupSharedGlobRule(const benchmark::State&) {
  ResetInjector(Injector());
  Injector().AddRule(faultline::Return("db-any", -5).Target("db.*").Probability(0.0));
}

BENCHMARK(BM_Point)->Name("point/disarmed/no_rules")->Setup(SetupDisarmed);
BENCHMARK(BM_Point)->Name("point/disarmed/disabled_101_rules")->Setup(SetupDisabled);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/in_test_no_rules")
    ->Setup([](const benchmark::State&) { InTestWithoutRules(Injector()); });
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/1_exact")
    ->Setup(SetupOthers<1, OtherTargets::kExact>);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/100_exact")
    ->Setup(SetupOthers<100, OtherTargets::kExact>);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/1000_exact")
    ->Setup(SetupOthers<1000, OtherTargets::kExact>);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/1_glob_other.point.*")
    ->Setup(SetupOthers<1, OtherTargets::kOneGlob>);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/100_glob_other.?oint.N")
    ->Setup(SetupOthers<100, OtherTargets::kGlob>);
BENCHMARK(BM_Point)
    ->Name("point/armed/no_rule_here/1000_glob_other.?oint.N")
    ->Setup(SetupOthers<1000, OtherTargets::kGlob>);
BENCHMARK(BM_Point)->Name("point/armed/rule_here/p=0")->Setup(SetupRuleHere<0>);
BENCHMARK(BM_Point)->Name("point/armed/rule_here/p=0.001")->Setup(SetupRuleHere<1000>);

// Every call fires a kReturn rule and records an event. The log is reserved for every event
// of the run and its pages are touched by a warm-up pass first, so the loop measures the
// steady state; "allocs/iter" shows that recording does not allocate.
constexpr benchmark::IterationCount kFiringIterations = 1 << 18;

void Fire(benchmark::IterationCount events) {
  for (benchmark::IterationCount i = 0; i < events; ++i) {
    bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
    benchmark::DoNotOptimize(fired);
  }
}

void BM_PointFiresRecorded(benchmark::State& state) {
  ResetInjector(Injector(), static_cast<std::size_t>(state.max_iterations));
  AddRuleOn(Injector(), "db.read", 1.0);
  Fire(state.max_iterations);
  Injector().Reset();  // empties the log and keeps its capacity
  AddRuleOn(Injector(), "db.read", 1.0);
  BM_Point(state);
  if (Injector().Stats().dropped_events != 0) state.SkipWithError("the event log was full");
}

// The same once the log is full: the event is counted as dropped.
void BM_PointFiresLogFull(benchmark::State& state) {
  ResetInjector(Injector(), 1024);
  AddRuleOn(Injector(), "db.read", 1.0);
  Fire(1024);
  BM_Point(state);
}

BENCHMARK(BM_PointFiresRecorded)
    ->Name("point/armed/fires/return_p=1/event_recorded")
    ->Iterations(kFiringIterations);
BENCHMARK(BM_PointFiresLogFull)->Name("point/armed/fires/return_p=1/event_log_full");

// ---- 6. Wrap and gmock ----

__attribute__((noinline)) int ReadBlock(int block) {
  benchmark::DoNotOptimize(block);
  return block + 1;
}

void BM_CallDirect(benchmark::State& state) {
  int block = 0;
  for (auto _ : state) {
    int result = ReadBlock(block);
    benchmark::DoNotOptimize(result);
  }
}

void BM_CallWrapped(benchmark::State& state) {
  static auto read_block = Injector().Wrap("db.read", [](int block) { return ReadBlock(block); });
  const AllocationsPerIteration allocations(state);
  int block = 0;
  for (auto _ : state) {
    int result = read_block(block);
    benchmark::DoNotOptimize(result);
  }
}

BENCHMARK(BM_CallDirect)->Name("call/direct");
BENCHMARK(BM_CallWrapped)->Name("call/wrapped/disarmed")->Setup(SetupDisarmed);
BENCHMARK(BM_CallWrapped)
    ->Name("call/wrapped/armed/no_rule_here/100_exact")
    ->Setup(SetupOthers<100, OtherTargets::kExact>);
BENCHMARK(BM_CallWrapped)->Name("call/wrapped/armed/rule_here/p=0")->Setup(SetupRuleHere<0>);

#if defined(FAULTLINE_BENCH_GMOCK)
class BlockStore {
 public:
  virtual ~BlockStore() = default;
  virtual int Read(int block) = 0;
};

class MockBlockStore : public BlockStore {
 public:
  MOCK_METHOD(int, Read, (int block), (override));
};

void BM_GmockAction(benchmark::State& state) {
  testing::NiceMock<MockBlockStore> mock;
  ON_CALL(mock, Read(testing::_)).WillByDefault(testing::Return(1));
  BlockStore& store = mock;
  for (auto _ : state) {
    int result = store.Read(0);
    benchmark::DoNotOptimize(result);
  }
}

BENCHMARK(BM_GmockAction)->Name("gmock/plain_return_action");

#if defined(FAULTLINE_BENCH_INJECT)
void BM_GmockInject(benchmark::State& state) {
  testing::NiceMock<MockBlockStore> mock;
  ON_CALL(mock, Read(testing::_))
      .WillByDefault(faultline::Inject("db.read", testing::Return(1)));
  BlockStore& store = mock;
  for (auto _ : state) {
    int result = store.Read(0);
    benchmark::DoNotOptimize(result);
  }
}

BENCHMARK(BM_GmockInject)->Name("gmock/faultline_inject/disarmed")->Setup(SetupDisarmed);
BENCHMARK(BM_GmockInject)
    ->Name("gmock/faultline_inject/armed/no_rule_here/100_exact")
    ->Setup(SetupOthers<100, OtherTargets::kExact>);
#endif
#endif

// ---- 7. Two threads ----

BENCHMARK(BM_Point)
    ->Name("threads/point/disarmed/same_target")
    ->Setup(SetupDisarmed)
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_PointPerThreadTarget)
    ->Name("threads/point/armed/no_rule_here/different_targets")
    ->Setup(SetupOthers<100, OtherTargets::kExact>)
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_Point)
    ->Name("threads/point/armed/no_rule_here/same_target")
    ->Setup(SetupOthers<100, OtherTargets::kExact>)
    ->Threads(2);
BENCHMARK(BM_PointPerThreadTarget)
    ->Name("threads/point/armed/rule_here_p=0/different_targets")
    ->Setup(SetupRuleHere<0>)
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_Point)
    ->Name("threads/point/armed/rule_here_p=0/same_target")
    ->Setup(SetupRuleHere<0>)
    ->Threads(2);
BENCHMARK(BM_PointPerThreadTarget)
    ->Name("threads/point/armed/shared_glob_rule_p=0/different_targets")
    ->Setup(SetupSharedGlobRule)
    ->Threads(2);

// ---- 8. libfiu and the naive port ----

#if defined(FAULTLINE_BENCH_LIBFIU)
std::vector<std::string>& FiuEnabled() {
  static std::vector<std::string> names;
  return names;
}
void FiuClear(const benchmark::State&) {
  for (const std::string& name : FiuEnabled()) fiu_disable(name.c_str());
  FiuEnabled().clear();
}
template <int kCount>
void FiuSetupOthers(const benchmark::State&) {
  for (int i = 0; i < kCount; ++i) {
    FiuEnabled().push_back("other.point." + std::to_string(i));
    fiu_enable(FiuEnabled().back().c_str(), 1, nullptr, 0);
  }
}
void FiuSetupHereP0(const benchmark::State&) {
  FiuEnabled().push_back("db.read");
  fiu_enable_random("db.read", 1, nullptr, 0, 0.0f);
}

void BM_Fiu(benchmark::State& state) {
  for (auto _ : state) {
    int fired = fiu_fail("db.read");
    benchmark::DoNotOptimize(fired);
  }
}

BENCHMARK(BM_Fiu)->Name("libfiu/fiu_fail/0_others")->Setup(FiuSetupOthers<0>)->Teardown(FiuClear);
BENCHMARK(BM_Fiu)->Name("libfiu/fiu_fail/1_other")->Setup(FiuSetupOthers<1>)->Teardown(FiuClear);
BENCHMARK(BM_Fiu)
    ->Name("libfiu/fiu_fail/100_others")
    ->Setup(FiuSetupOthers<100>)
    ->Teardown(FiuClear)
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_Fiu)->Name("libfiu/fiu_fail/here_p=0")->Setup(FiuSetupHereP0)->Teardown(FiuClear);
#endif

NaiveInjector& Naive() {
  static NaiveInjector naive;
  return naive;
}
void NaiveClear(const benchmark::State&) { Naive().Clear(); }
template <int kCount>
void NaiveSetupOthers(const benchmark::State&) {
  for (int i = 0; i < kCount; ++i) {
    Naive().AddRule("other-" + std::to_string(i), "other.point." + std::to_string(i), 1.0);
  }
}
void NaiveSetupHereP0(const benchmark::State&) { Naive().AddRule("on-db.read", "db.read", 0.0); }

void BM_Naive(benchmark::State& state) {
  for (auto _ : state) {
    bool fired = Naive().ShouldFail("db.read");
    benchmark::DoNotOptimize(fired);
  }
}

BENCHMARK(BM_Naive)->Name("naive/0_rules")->Setup(NaiveSetupOthers<0>)->Teardown(NaiveClear);
BENCHMARK(BM_Naive)
    ->Name("naive/100_others")
    ->Setup(NaiveSetupOthers<100>)
    ->Teardown(NaiveClear);
BENCHMARK(BM_Naive)->Name("naive/here_p=0")->Setup(NaiveSetupHereP0)->Teardown(NaiveClear);

}  // namespace
}  // namespace faultline_bench

int main(int argc, char** argv) {
#if defined(FAULTLINE_BENCH_LIBFIU)
  fiu_init(0);
  benchmark::AddCustomContext("libfiu", "yes");
#else
  benchmark::AddCustomContext("libfiu", "no");
#endif
  faultline::CurrentInjector current(faultline_bench::Injector());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
