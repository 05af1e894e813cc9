// Memory retained by rule changes: `faultline_memory_growth MODE CHECKPOINT...` repeats one
// control-path operation and, each time the count reaches a checkpoint (ascending), prints
// "<count> <VmRSS kB> <VmHWM kB>" from /proc/self/status. bench/run.py compares a late
// checkpoint with an early one of the same process. Modes:
//   cycle   Reset(), AddRule() and RemoveRule() of one rule on an interned site
//   scope   a Scope of that rule, created and destroyed
//   rules   AddRule() of one more rule on that site (distinct names), none removed
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "faultline/injector.hpp"

namespace {

// The kB figure of `field` ("VmRSS", "VmHWM") in /proc/self/status, or -1 when absent.
long StatusKb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

faultline::FaultConfig CycleRule(const std::string& name) {
  return faultline::Exception(name).Target("memory.site").Probability(0.5);
}

int Usage(const char* program) {
  std::fprintf(stderr, "usage: %s cycle|scope|rules CHECKPOINT...\n", program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage(argv[0]);
  const std::string mode = argv[1];
  std::vector<long> checkpoints;
  for (int i = 2; i < argc; ++i) checkpoints.push_back(std::atol(argv[i]));

  faultline::FaultInjector injector;
  injector.Intern("memory.site");
  const faultline::FaultConfig rule = CycleRule("cycle");
  long done = 0;
  for (long checkpoint : checkpoints) {
    for (; done < checkpoint; ++done) {
      if (mode == "cycle") {
        injector.Reset();
        injector.AddRule(rule);
        injector.RemoveRule(rule.name());
      } else if (mode == "scope") {
        const faultline::RuleScope scope = injector.Scope({rule});
      } else if (mode == "rules") {
        injector.AddRule(CycleRule("rule-" + std::to_string(done)));
      } else {
        return Usage(argv[0]);
      }
    }
    std::printf("%ld %ld %ld\n", done, StatusKb("VmRSS"), StatusKb("VmHWM"));
    std::fflush(stdout);
  }
  return 0;
}
