// The callgrind loop of a FAULTLINE_POINT compiled out with FAULTLINE_DISABLED.
#define FAULTLINE_DISABLED
#include <benchmark/benchmark.h>

#include "faultline/point.hpp"

namespace faultline_bench {

void CompiledOutLoop(long n) {
  for (long i = 0; i < n; ++i) {
    bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
    benchmark::DoNotOptimize(fired);
  }
}

}  // namespace faultline_bench
