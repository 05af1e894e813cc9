// Misuses of the return-value API that must not compile, one per FAULTLINE_MISUSE value, each
// with a short static_assert message (see CMakeLists.txt). Without it the file compiles.
#include <memory>

#include "faultline/fault.hpp"

int main() {
#if FAULTLINE_MISUSE == 1
  faultline::Return("x", std::make_unique<int>(7));
#elif FAULTLINE_MISUSE == 2
  faultline::ReturnWith("x", [](int n) { return n; });
#elif FAULTLINE_MISUSE == 3
  faultline::ReturnWith("x", [] {});
#elif FAULTLINE_MISUSE == 4
  static int value = 1;
  faultline::ReturnWith("x", []() -> int& { return value; });
#elif FAULTLINE_MISUSE == 5
  faultline::ReturnWith("x", [owned = std::make_unique<int>(1)] { return *owned; });
#else
  faultline::ReturnWith("x", [] { return std::make_unique<int>(7); });
#endif
}
