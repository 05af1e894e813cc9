#include <faultline/faultline.hpp>

int main() {
  faultline::FaultInjector injector(42);
  injector.AddRule(faultline::Return("r", 7).Target("f"));
  auto f = injector.Wrap("f", [] { return 1; });
  return f() == 7 ? 0 : 1;
}
