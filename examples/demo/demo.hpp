// The original harness's run_demo, in C++: two rules on two fake dependencies, 20 calls of
// each, and a corruption demo, printed as a report.
#pragma once

#include <ostream>

#include "faultline/faultline.hpp"

namespace demo {

// What the demo did, for the report and for tests.
struct DemoResult {
  faultline::HarnessStats stats;
  int api_failures = 0;  // call_api calls that threw
  faultline::ValueMap original;
  faultline::ValueMap corrupted;
};

// Runs the demo with `seed` (the original uses 42) and prints its report to `out`.
DemoResult RunDemo(unsigned long long seed, std::ostream& out);

}  // namespace demo
