// Catch2's own main (v2: tests/catch2/catch2_main.cpp; v3: Catch2::Catch2WithMain) and
// faultline::catch2, without faultline's options: FAULTLINE_* variables and Catch2's
// --rng-seed control it.
#include <faultline/catch2.hpp>

FAULTLINE_TEST_CASE("own main: breaks under faults", "[fail]",
                    faultline::Exception("op-error").Target("op").Probability(0.5)) {
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      faultline::Current().CheckAndInject("op");
    } catch (const faultline::InjectedFault&) {
      ++failures;
    }
  }
  CHECK(failures == 0);
}

// Hidden: a sweep that finds the unguarded call, whose replay setting is a variable here.
FAULTLINE_TEST_CASE("own main: a sweep finds an unguarded call", "[.][sweep]") {
  faultline::catch2::Sweep(faultline::Exception("op-error").Target("op"),
                           [] { faultline::Current().CheckAndInject("op"); });
}
