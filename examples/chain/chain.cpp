// Chained actions: one rule whose terms apply in order, on each target on its own.
// The first 3 reads pass, the next 2 throw, every later one is delayed by 10 ms.
#include <chrono>
#include <cstdio>
#include <faultline/faultline.hpp>
#include <faultline/rules.hpp>

int Read(int key) { return key * 10; }

int main() {
  faultline::FaultInjector injector(42);
  faultline::VirtualClock clock;  // a delay advances simulated time: no sleeping
  injector.SetClock(&clock);
  const faultline::FaultConfig rule =
      faultline::ParseRules("flaky=db.*:3*off->2*exception(disk gone)->delay(10ms)").at(0);
  std::printf("rule: %s\n", faultline::ToString(rule).c_str());
  injector.AddRule(rule);

  auto read = injector.Wrap("db.read", &Read);
  for (int call = 1; call <= 7; ++call) {
    const auto before = clock.Now();
    try {
      const int value = read(call);
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - before);
      std::printf("db.read call %d: returned %d after %lld ms\n", call, value,
                  static_cast<long long>(waited.count()));
    } catch (const faultline::InjectedFault& fault) {
      std::printf("db.read call %d: threw %s\n", call, fault.what());
    }
  }
  // Another target the glob matches walks the chain from its first term.
  auto write = injector.Wrap("db.write", &Read);
  std::printf("db.write call 1: returned %d\n", write(1));

  for (const faultline::FaultEvent& event : injector.Events()) {
    std::printf("event #%llu: %s (%s) on %s call %llu\n",
                static_cast<unsigned long long>(event.sequence), event.rule.c_str(),
                faultline::ToString(event.type), event.target.c_str(),
                static_cast<unsigned long long>(event.call));
  }
  return injector.Events().size() == 4 ? 0 : 1;
}
