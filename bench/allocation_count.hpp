// Counts heap allocations of the calling thread: the bench binaries replace the global
// operator new so that a case can show that its steady state does not allocate.
#pragma once

#include <cstdint>

namespace faultline_bench {

// Allocations made by the calling thread through operator new since it started.
std::uint64_t ThreadAllocations();

}  // namespace faultline_bench
