// The LD_PRELOAD form of the interposer, for child processes and programs that are not tests:
// the whole run is one test. FAULTLINE_RULES (a spec or @file[#profile]) and FAULTLINE_SEED
// configure it; at exit it prints the faults that fired to stderr.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "faultline/injector.hpp"
#include "faultline/rules.hpp"

namespace {

void PrintFaults() {
  faultline::internal::HarnessScope scope;
  faultline::FaultInjector& injector = faultline::Current();
  const std::vector<faultline::FaultEvent> events = injector.Events();
  std::fprintf(stderr, "[faultline] %zu fault(s) injected\n", events.size());
  for (const faultline::FaultEvent& event : events) {
    std::fprintf(stderr, "[faultline] #%llu %s on %s call %llu\n",
                 static_cast<unsigned long long>(event.sequence), event.rule.c_str(),
                 event.target.c_str(), static_cast<unsigned long long>(event.call));
  }
  for (const std::string& problem : faultline::internal::TakeProblems()) {
    std::fprintf(stderr, "[faultline] %s\n", problem.c_str());
  }
}

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::_Exit(2);
}

__attribute__((constructor)) void Configure() {
  faultline::internal::HarnessScope scope;
  faultline::FaultInjector& injector = faultline::Current();
  if (const char* seed = std::getenv("FAULTLINE_SEED")) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(seed, &end, 10);
    if (*seed == '\0' || *end != '\0' || errno != 0 || *seed == '-' || *seed == '+') {
      Fail(std::string("faultline: FAULTLINE_SEED: expected a number, got \"") + seed + "\"");
    }
    injector.SetSeed(value);
  }
  if (const char* rules = std::getenv("FAULTLINE_RULES")) {
    try {
      for (faultline::FaultConfig& rule : faultline::ParseRulesArgument(rules)) {
        injector.AddRule(std::move(rule));
      }
    } catch (const std::exception& error) {
      Fail(std::string(error.what()) + " (in FAULTLINE_RULES)");
    }
  }
  injector.CountCalls(true);
  std::atexit(&PrintFaults);
}

}  // namespace
