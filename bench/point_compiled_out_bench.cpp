// FAULTLINE_POINT compiled with FAULTLINE_DISABLED, in its own translation unit: the point
// must cost what the empty loop costs.
#define FAULTLINE_DISABLED
#include <benchmark/benchmark.h>

#include "faultline/point.hpp"

namespace faultline_bench {
namespace {

void BM_PointCompiledOut(benchmark::State& state) {
  for (auto _ : state) {
    bool fired = static_cast<bool>(FAULTLINE_POINT("db.read"));
    benchmark::DoNotOptimize(fired);
  }
}

BENCHMARK(BM_PointCompiledOut)->Name("point/compiled_out");

}  // namespace
}  // namespace faultline_bench
