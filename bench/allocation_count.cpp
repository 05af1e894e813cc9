// Replaces the global allocation functions with counting ones (malloc underneath). The count
// is per thread, so a multi-threaded case reads its own allocations without a shared write.
#include "allocation_count.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace faultline_bench {
namespace {
thread_local std::uint64_t t_allocations = 0;

void* Allocate(std::size_t size, std::size_t alignment) {
  ++t_allocations;
  if (size == 0) size = 1;
  void* memory = alignment <= alignof(std::max_align_t)
                     ? std::malloc(size)
                     : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (memory == nullptr) throw std::bad_alloc();
  return memory;
}
}  // namespace

std::uint64_t ThreadAllocations() { return t_allocations; }

}  // namespace faultline_bench

void* operator new(std::size_t size) {
  return faultline_bench::Allocate(size, alignof(std::max_align_t));
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return faultline_bench::Allocate(size, static_cast<std::size_t>(alignment));
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
