// Tolerance for checking observed fault counts against their expectation.
#pragma once

#include <cmath>
#include <cstdint>

namespace faultline::testing {

// Half-width of the acceptance band for the number of successes in `n` Bernoulli(p) trials:
// five standard deviations of the binomial distribution, sqrt(n p (1 - p)), plus one for the
// discreteness. A correct engine falls outside it with probability below 1e-6, and every
// check is seeded, so a pass or a fail is reproducible.
inline double BinomialTolerance(std::uint64_t n, double p) {
  return 5.0 * std::sqrt(double(n) * p * (1.0 - p)) + 1.0;
}

}  // namespace faultline::testing
