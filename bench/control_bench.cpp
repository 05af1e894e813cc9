// The control path: what rule changes, explorations and fired exceptions cost, each case beside
// its baseline in the same run (the same work with no other sites, or a plain throw). Fixtures
// are built once per benchmark run, outside the timed loop. bench/run.py prints the table.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "allocation_count.hpp"
#include "faultline/explore.hpp"
#include "faultline/injector.hpp"

namespace faultline_bench {
namespace {

// One injector per number of interned sites ("site.0" ... "site.N-1"), built on first use and
// kept: sites live as long as their injector, so a fresh injector is the only way back to 0.
faultline::FaultInjector& InjectorWithSites(int sites) {
  static std::map<int, std::unique_ptr<faultline::FaultInjector>> injectors;
  std::unique_ptr<faultline::FaultInjector>& injector = injectors[sites];
  if (!injector) {
    injector = std::make_unique<faultline::FaultInjector>();
    for (int i = 0; i < sites; ++i) injector->Intern("site." + std::to_string(i));
  }
  return *injector;
}

// ---- AddRule + RemoveRule of 100 rules, with 0 / 10,000 / 100,000 sites interned ----
// Here and for rules on one site, one repetition: one iteration may take seconds before the
// engine indexes rule changes, and the timed loop averages many once it does.

constexpr int kRulesPerChange = 100;

// Exact rules on "site.1000" ... "site.1099": one site each once 1,100 sites exist.
std::vector<faultline::FaultConfig> ExactRules() {
  std::vector<faultline::FaultConfig> rules;
  for (int i = 0; i < kRulesPerChange; ++i) {
    rules.push_back(faultline::Return("exact-" + std::to_string(i), -1)
                        .Target("site." + std::to_string(1000 + i)));
  }
  return rules;
}

// Globs "site.100?" ... "site.199?": ten sites each once 2,000 sites exist, found by a literal
// prefix as users write them ("Ledger::*").
std::vector<faultline::FaultConfig> GlobRules() {
  std::vector<faultline::FaultConfig> rules;
  for (int i = 0; i < kRulesPerChange; ++i) {
    rules.push_back(faultline::Return("glob-" + std::to_string(i), -1)
                        .Target("site." + std::to_string(100 + i) + "?"));
  }
  return rules;
}

// Each iteration adds `rules` to `injector`, then removes them in the order they were added.
void AddThenRemove(benchmark::State& state, faultline::FaultInjector& injector,
                   const std::vector<faultline::FaultConfig>& rules) {
  injector.Reset();
  std::vector<faultline::RuleId> ids;
  ids.reserve(rules.size());
  for (auto _ : state) {
    for (const faultline::FaultConfig& rule : rules) ids.push_back(injector.AddRule(rule));
    for (faultline::RuleId id : ids) injector.RemoveRule(id);
    ids.clear();
  }
  state.counters["rules"] = static_cast<double>(rules.size());
}

// The argument is the number of sites interned.
void BM_AddRemoveExact(benchmark::State& state) {
  AddThenRemove(state, InjectorWithSites(static_cast<int>(state.range(0))), ExactRules());
}
void BM_AddRemoveGlob(benchmark::State& state) {
  AddThenRemove(state, InjectorWithSites(static_cast<int>(state.range(0))), GlobRules());
}

// With 0, 10,000 and 100,000 sites interned, one repetition each.
void OverSites(benchmark::internal::Benchmark* bench) {
  bench->ArgName("sites")->Arg(0)->Arg(10000)->Arg(100000)->Repetitions(1)->Unit(
      benchmark::kMillisecond);
}

BENCHMARK(BM_AddRemoveExact)->Name("control/add_remove_100/exact")->Apply(OverSites);
BENCHMARK(BM_AddRemoveGlob)->Name("control/add_remove_100/glob")->Apply(OverSites);

// ---- n rules all matching one site, added then removed ----

void BM_RulesOnOneSite(benchmark::State& state) {
  const auto count = static_cast<int>(state.range(0));
  faultline::FaultInjector& injector = InjectorWithSites(0);
  std::vector<faultline::FaultConfig> rules;
  for (int i = 0; i < count; ++i) {
    rules.push_back(faultline::Return("hot-" + std::to_string(i), -1).Target("hot.site"));
  }
  injector.Intern("hot.site");
  AddThenRemove(state, injector, rules);
}

BENCHMARK(BM_RulesOnOneSite)
    ->Name("control/rules_on_one_site")
    ->ArgName("rules")
    ->Arg(1000)
    ->Arg(8000)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);

// ---- Explore runs per second, 5 rules, with 0 / 1,000 / 10,000 other sites ----

constexpr int kRunsPerExplore = 20;

// Each run calls five targets, each with a kReturn rule firing on 30% of calls; the other
// sites are interned but never called, as in a large program whose test reaches a few.
int Probe() { return 0; }

void BM_Explore(benchmark::State& state) {
  faultline::FaultInjector& injector = InjectorWithSites(static_cast<int>(state.range(0)));
  injector.Reset();
  std::vector<decltype(injector.Wrap("", &Probe))> calls;
  for (int i = 0; i < 5; ++i) {
    const std::string target = "explored." + std::to_string(i);
    injector.AddRule(faultline::Return("explored-" + std::to_string(i), -1)
                         .Target(target)
                         .Probability(0.3));
    calls.push_back(injector.Wrap(target, &Probe));
  }
  faultline::ExploreOptions options;
  options.injector = &injector;
  options.Runs(kRunsPerExplore);
  const auto body = [&] {
    for (int round = 0; round < 4; ++round) {
      for (auto& call : calls) benchmark::DoNotOptimize(call());
    }
  };
  for (auto _ : state) {
    const faultline::ExploreResult result = faultline::Explore(options, body);
    if (result.failed) state.SkipWithError("a run failed");
  }
  state.counters["runs/s"] = benchmark::Counter(static_cast<double>(kRunsPerExplore),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_Explore)
    ->Name("control/explore_5_rules")
    ->ArgName("other_sites")
    ->Arg(0)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

// ---- An exception rule firing, thrown and caught, beside a plain throw and catch ----

// Reports the calling thread's allocations per iteration as "allocs/iter".
void CountAllocations(benchmark::State& state, std::uint64_t before) {
  state.counters["allocs/iter"] = benchmark::Counter(
      static_cast<double>(ThreadAllocations() - before), benchmark::Counter::kAvgIterations);
}

__attribute__((noinline)) int Charge(int cents) {
  benchmark::DoNotOptimize(cents);
  return cents;
}

// Throws what a rule named "boom" throws, with its default message: the same object, so the
// difference to a firing rule is the engine's.
__attribute__((noinline)) int ChargeThrowing(int cents, const std::string& rule,
                                             const std::string& message) {
  benchmark::DoNotOptimize(cents);
  throw faultline::InjectedFault(rule, message);
}

void BM_PlainThrow(benchmark::State& state) {
  const std::string rule = "boom";
  const std::string message = "Injected fault";
  const std::uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    try {
      benchmark::DoNotOptimize(ChargeThrowing(1, rule, message));
    } catch (const faultline::InjectedFault& fault) {
      benchmark::DoNotOptimize(&fault);
    }
  }
  CountAllocations(state, before);
}

// Each firing records its event in a log reserved for every iteration, as in a test.
constexpr benchmark::IterationCount kThrows = 1 << 17;

void BM_ExceptionRuleFires(benchmark::State& state) {
  faultline::FaultInjector& injector = InjectorWithSites(0);
  injector.Reset();
  injector.SetEventLimit(static_cast<std::size_t>(kThrows));
  injector.AddRule(faultline::Exception("boom").Target("charge"));
  auto charge = injector.Wrap("charge", &Charge);
  const std::uint64_t before = ThreadAllocations();
  for (auto _ : state) {
    try {
      benchmark::DoNotOptimize(charge(1));
    } catch (const faultline::InjectedFault& fault) {
      benchmark::DoNotOptimize(&fault);
    }
  }
  CountAllocations(state, before);
  injector.Reset();
}

BENCHMARK(BM_PlainThrow)->Name("control/throw/plain_injected_fault")->Iterations(kThrows);
BENCHMARK(BM_ExceptionRuleFires)
    ->Name("control/throw/exception_rule_fires")
    ->Iterations(kThrows);

}  // namespace
}  // namespace faultline_bench

BENCHMARK_MAIN();
