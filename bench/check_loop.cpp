// Instruction counts, which repeat where times do not: `faultline_check_loop CASE N` makes N
// checks of "db.read" in the state CASE (`--list` prints them). Under callgrind,
// instructions per check = (Ir(2N) - Ir(N)) / N; bench/run.py --callgrind does that.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "faultline/injector.hpp"
#include "faultline/point.hpp"
#include "naive_injector.hpp"
#include "scenarios.hpp"

#if defined(FAULTLINE_BENCH_LIBFIU)
#include <fiu-control.h>
#include <fiu.h>
#endif

namespace faultline_bench {

// Defined in check_loop_compiled_out.cpp, built with FAULTLINE_DISABLED.
void CompiledOutLoop(long n);

namespace {

std::atomic<bool> g_flag{false};

__attribute__((noinline)) bool FlagSlowPath(const char* target) {
  benchmark::DoNotOptimize(target);
  return true;
}

void BaselineLoop(long n) {
  for (long i = 0; i < n; ++i) {
    bool fired = false;
    benchmark::DoNotOptimize(fired);
  }
}

void FlagLoop(long n) {
  for (long i = 0; i < n; ++i) {
    bool fired = __builtin_expect(g_flag.load(std::memory_order_relaxed), false)
                     ? FlagSlowPath("db.read")
                     : false;
    benchmark::DoNotOptimize(fired);
  }
}

void PointLoop(long n) {
  for (long i = 0; i < n; ++i) {
    bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
    benchmark::DoNotOptimize(fired);
  }
}

__attribute__((noinline)) int ReadBlock(int block) {
  benchmark::DoNotOptimize(block);
  return block + 1;
}

void WrappedLoop(long n) {
  auto read_block = faultline::Current().Wrap("db.read", [](int block) { return ReadBlock(block); });
  for (long i = 0; i < n; ++i) {
    int result = read_block(0);
    benchmark::DoNotOptimize(result);
  }
}

void DirectLoop(long n) {
  for (long i = 0; i < n; ++i) {
    int result = ReadBlock(0);
    benchmark::DoNotOptimize(result);
  }
}

void NaiveLoop(NaiveInjector& naive, long n) {
  for (long i = 0; i < n; ++i) {
    bool fired = naive.ShouldFail("db.read");
    benchmark::DoNotOptimize(fired);
  }
}

#if defined(FAULTLINE_BENCH_LIBFIU)
void FiuLoop(long n) {
  for (long i = 0; i < n; ++i) {
    int fired = fiu_fail("db.read");
    benchmark::DoNotOptimize(fired);
  }
}
#endif

// With `count` rules on one site, `n` times removes the oldest and adds another: instructions
// per rule added and removed, linear when the figure for 8,000 rules is that for 1,000.
void RulesOnOneSite(int count, long n) {
  faultline::FaultInjector& injector = faultline::Current();
  // count + 1 names: any `count` consecutive ones are distinct.
  std::vector<faultline::FaultConfig> rules;
  for (int i = 0; i <= count; ++i) {
    rules.push_back(faultline::Return("hot-" + std::to_string(i), -1).Target("hot.site"));
  }
  injector.Intern("hot.site");
  std::deque<faultline::RuleId> window;
  for (int i = 0; i < count; ++i) window.push_back(injector.AddRule(rules[i]));
  for (long i = count; i < count + n; ++i) {
    injector.RemoveRule(window.front());
    window.pop_front();
    window.push_back(injector.AddRule(rules[static_cast<std::size_t>(i % (count + 1))]));
  }
}

struct Case {
  const char* name;
  void (*run)(long n);
};

const Case kCases[] = {
    {"baseline/empty_loop", BaselineLoop},
    {"model/atomic_flag", FlagLoop},
    {"point/compiled_out", CompiledOutLoop},
    {"point/disarmed/no_rules", PointLoop},
    {"point/armed/no_rule_here/in_test_no_rules",
     [](long n) {
       InTestWithoutRules(faultline::Current());
       PointLoop(n);
     }},
    {"point/armed/no_rule_here/1_exact",
     [](long n) {
       AddOtherRules(faultline::Current(), 1, OtherTargets::kExact);
       PointLoop(n);
     }},
    {"point/armed/no_rule_here/1000_exact",
     [](long n) {
       AddOtherRules(faultline::Current(), 1000, OtherTargets::kExact);
       PointLoop(n);
     }},
    {"point/armed/no_rule_here/1000_glob_other.?oint.N",
     [](long n) {
       AddOtherRules(faultline::Current(), 1000, OtherTargets::kGlob);
       PointLoop(n);
     }},
    {"point/armed/rule_here/p=0",
     [](long n) {
       AddOtherRules(faultline::Current(), 100, OtherTargets::kExact);
       AddRuleOn(faultline::Current(), "db.read", 0.0);
       PointLoop(n);
     }},
    {"point/armed/rule_here/p=0.001",
     [](long n) {
       AddOtherRules(faultline::Current(), 100, OtherTargets::kExact);
       AddRuleOn(faultline::Current(), "db.read", 0.001);
       PointLoop(n);
     }},
    {"point/armed/fires/return_p=1/event_recorded",
     [](long n) {
       ResetInjector(faultline::Current(), static_cast<std::size_t>(n));
       AddRuleOn(faultline::Current(), "db.read", 1.0);
       PointLoop(n);
     }},
    {"call/direct", DirectLoop},
    {"call/wrapped/armed/no_rule_here/100_exact",
     [](long n) {
       AddOtherRules(faultline::Current(), 100, OtherTargets::kExact);
       WrappedLoop(n);
     }},
#if defined(FAULTLINE_BENCH_LIBFIU)
    {"libfiu/fiu_fail/0_others", FiuLoop},
    {"libfiu/fiu_fail/100_others",
     [](long n) {
       for (int i = 0; i < 100; ++i) {
         fiu_enable(("other.point." + std::to_string(i)).c_str(), 1, nullptr, 0);
       }
       FiuLoop(n);
     }},
    {"libfiu/fiu_fail/here_p=0",
     [](long n) {
       fiu_enable_random("db.read", 1, nullptr, 0, 0.0f);
       FiuLoop(n);
     }},
#endif
    {"control/rules_on_one_site/1000", [](long n) { RulesOnOneSite(1000, n); }},
    {"control/rules_on_one_site/8000", [](long n) { RulesOnOneSite(8000, n); }},
    {"naive/0_rules",
     [](long n) {
       NaiveInjector naive;
       NaiveLoop(naive, n);
     }},
    {"naive/100_others",
     [](long n) {
       NaiveInjector naive;
       for (int i = 0; i < 100; ++i) {
         naive.AddRule("other-" + std::to_string(i), "other.point." + std::to_string(i), 1.0);
       }
       NaiveLoop(naive, n);
     }},
};

}  // namespace
}  // namespace faultline_bench

int main(int argc, char** argv) {
  using faultline_bench::kCases;
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& c : kCases) std::printf("%s\n", c.name);
    return 0;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CASE N | --list\n", argv[0]);
    return 2;
  }
#if defined(FAULTLINE_BENCH_LIBFIU)
  fiu_init(0);
#endif
  faultline::FaultInjector injector;
  faultline_bench::ResetInjector(injector);
  faultline::CurrentInjector current(injector);
  const long n = std::atol(argv[2]);
  for (const auto& c : kCases) {
    if (std::strcmp(argv[1], c.name) == 0) {
      c.run(n);
      return 0;
    }
  }
  std::fprintf(stderr, "faultline_check_loop: unknown case \"%s\" (see --list)\n", argv[1]);
  return 2;
}
