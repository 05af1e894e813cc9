// The interposed allocation functions: malloc and its family, and every replaceable operator
// new. Each forwards to the next definition (libc's, libstdc++'s or a sanitizer runtime's), so
// the allocator in use stays the one the program would have had.
#include <malloc.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "check.hpp"

using faultline::internal::CallContext;
using faultline::internal::HarnessScope;
using faultline::internal::t_harness_depth;
using faultline::posix::internal::Armed;
using faultline::posix::internal::CorruptBytes;
using faultline::posix::internal::Fault;
using faultline::posix::internal::RealFunction;
using faultline::posix::internal::Target;

namespace {

// Looking up the real allocator may itself allocate (dlsym's error state): those allocations,
// on the thread doing the lookup, come from this arena and are never freed.
alignas(std::max_align_t) unsigned char g_arena[16 * 1024];
std::atomic<std::size_t> g_arena_used{0};

void* ArenaAllocate(std::size_t size) noexcept {
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  const std::size_t rounded = (size + kAlign - 1) & ~(kAlign - 1);
  const std::size_t at = g_arena_used.fetch_add(rounded, std::memory_order_relaxed);
  if (at + rounded > sizeof(g_arena)) return nullptr;
  return g_arena + at;
}
// One comparison: an address below the arena wraps around to a large offset.
bool InArena(const void* pointer) {
  return reinterpret_cast<std::uintptr_t>(pointer) - reinterpret_cast<std::uintptr_t>(g_arena) <
         sizeof(g_arena);
}

// noexcept where the real function is: a noexcept function calling one that may throw needs a
// handler around the call, which rules out a tail call.
using MallocFunction = void* (*)(std::size_t) noexcept;
using CallocFunction = void* (*)(std::size_t, std::size_t) noexcept;
using ReallocFunction = void* (*)(void*, std::size_t) noexcept;
using FreeFunction = void (*)(void*) noexcept;
using AlignedAllocFunction = void* (*)(std::size_t, std::size_t) noexcept;
using PosixMemalignFunction = int (*)(void**, std::size_t, std::size_t) noexcept;
using NewFunction = void* (*)(std::size_t);
using NewNothrowFunction = void* (*)(std::size_t, const std::nothrow_t&) noexcept;
using NewAlignedFunction = void* (*)(std::size_t, std::align_val_t);
using NewAlignedNothrowFunction = void* (*)(std::size_t, std::align_val_t,
                                            const std::nothrow_t&) noexcept;

RealFunction<MallocFunction> real_malloc("malloc", &ArenaAllocate);
RealFunction<CallocFunction> real_calloc("calloc",
                                          [](std::size_t count, std::size_t size) noexcept {
                                            return ArenaAllocate(count * size);  // zeroed
                                          });
RealFunction<ReallocFunction> real_realloc("realloc", [](void*, std::size_t size) noexcept {
  return ArenaAllocate(size);
});
// Looking up free frees dlsym's previous error message: that one block is left alone.
RealFunction<FreeFunction> real_free("free", [](void*) noexcept {});
RealFunction<AlignedAllocFunction> real_aligned_alloc("aligned_alloc");
RealFunction<PosixMemalignFunction> real_posix_memalign("posix_memalign");
RealFunction<NewFunction> real_new("_Znwm");
RealFunction<NewFunction> real_new_array("_Znam");
RealFunction<NewNothrowFunction> real_new_nothrow("_ZnwmRKSt9nothrow_t");
RealFunction<NewNothrowFunction> real_new_array_nothrow("_ZnamRKSt9nothrow_t");
RealFunction<NewAlignedFunction> real_new_aligned("_ZnwmSt11align_val_t");
RealFunction<NewAlignedFunction> real_new_array_aligned("_ZnamSt11align_val_t");
RealFunction<NewAlignedNothrowFunction> real_new_aligned_nothrow(
    "_ZnwmSt11align_val_tRKSt9nothrow_t");
RealFunction<NewAlignedNothrowFunction> real_new_array_aligned_nothrow(
    "_ZnamSt11align_val_tRKSt9nothrow_t");

Target t_malloc{"alloc.malloc", ENOMEM};
Target t_calloc{"alloc.calloc", ENOMEM};
Target t_realloc{"alloc.realloc", ENOMEM};
Target t_aligned_alloc{"alloc.aligned_alloc", ENOMEM};
Target t_posix_memalign{"alloc.posix_memalign", ENOMEM};
Target t_new{"alloc.new", ENOMEM};
Target t_new_array{"alloc.new_array", ENOMEM};

CallContext SizeCall(std::size_t size) {
  CallContext context;
  context.size = size;
  context.has_size = true;
  return context;
}

// True while a test runs and this thread is not in harness code.
bool Eligible() { return Armed() && t_harness_depth == 0; }

// A throwing operator new is not faulted while its thread unwinds or handles an exception: a
// std::bad_alloc thrown from a destructor during unwinding ends the program, and one thrown
// while a framework formats the report of a first exception escapes its handler.
bool HandlingException() {
  return std::uncaught_exceptions() > 0 || std::current_exception() != nullptr;
}

// A C allocation of `size` bytes: null with errno set on a fault, else `call()`, whose fresh
// memory a corruption rule fills with garbage. noexcept as its callers are, so that they need
// no handler around the call and no frame.
template <class Call>
__attribute__((noinline)) void* Allocate(Target& target, std::size_t size, Call call) noexcept {
  HarnessScope scope;
  const Fault fault = faultline::posix::internal::Check(target, SizeCall(size));
  if (fault.kind == Fault::kNone) return call();
  if (fault.kind == Fault::kCorrupt) {
    void* memory = call();
    if (memory != nullptr) {
      for (std::size_t i = 0; i < size; i += 8) CorruptBytes(memory, size, fault.stream + i);
    }
    return memory;
  }
  errno = fault.kind == Fault::kError ? fault.error : ENOMEM;
  return nullptr;
}

// An operator new of `size` bytes: throws std::bad_alloc (or the rule's own exception) on a
// fault, or returns null for the nothrow forms.
template <class Call>
__attribute__((noinline)) void* New(Target& target, std::size_t size, bool nothrow, Call call) {
  Fault fault;
  {
    HarnessScope scope;  // the real operator new's malloc is part of this call
    if (!nothrow && HandlingException()) return call();
    fault = faultline::posix::internal::Check(target, SizeCall(size));
    if (fault.kind == Fault::kNone || fault.kind == Fault::kCorrupt) return call();
    if (nothrow) return nullptr;
  }
  if (fault.rule != nullptr) fault.rule->Throw();
  throw std::bad_alloc();
}

}  // namespace

// The interposed functions keep default visibility in a build with hidden visibility: the
// executable, or faultline_preload, exports them to come before libc's.
#pragma GCC visibility push(default)
extern "C" {

void* malloc(std::size_t size) noexcept {
  if (!Eligible()) return real_malloc(size);
  return Allocate(t_malloc, size, [=] { return real_malloc(size); });
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  if (!Eligible()) return real_calloc(count, size);
  return Allocate(t_calloc, count * size, [=] { return real_calloc(count, size); });
}

void* realloc(void* pointer, std::size_t size) noexcept {
  if (InArena(pointer)) {
    void* moved = malloc(size);
    if (moved != nullptr) std::memcpy(moved, pointer, size);
    return moved;
  }
  if (!Eligible() || size == 0) return real_realloc(pointer, size);
  return Allocate(t_realloc, size, [=] { return real_realloc(pointer, size); });
}

void free(void* pointer) noexcept {
  // free(nullptr) goes to the real free, which does nothing: no branch for it here.
  if (InArena(pointer)) return;
  real_free(pointer);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  if (!Eligible()) return real_aligned_alloc(alignment, size);
  return Allocate(t_aligned_alloc, size, [=] { return real_aligned_alloc(alignment, size); });
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (!Eligible()) return real_posix_memalign(out, alignment, size);
  // posix_memalign reports its error as its result and leaves errno alone.
  const int saved = errno;
  int result = 0;
  void* memory =
      Allocate(t_posix_memalign, size, [&result, out, alignment, size]() -> void* {
        result = real_posix_memalign(out, alignment, size);
        return result == 0 ? *out : nullptr;
      });
  if (memory == nullptr && result == 0) {
    result = errno;
    errno = saved;
  }
  return result;
}

}  // extern "C"

void* operator new(std::size_t size) {
  if (!Eligible()) return real_new(size);
  return New(t_new, size, false, [=] { return real_new(size); });
}
void* operator new[](std::size_t size) {
  if (!Eligible()) return real_new_array(size);
  return New(t_new_array, size, false, [=] { return real_new_array(size); });
}
void* operator new(std::size_t size, const std::nothrow_t& tag) noexcept {
  if (!Eligible()) return real_new_nothrow(size, tag);
  return New(t_new, size, true, [=] { return real_new_nothrow(size, tag); });
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  if (!Eligible()) return real_new_array_nothrow(size, tag);
  return New(t_new_array, size, true, [=] { return real_new_array_nothrow(size, tag); });
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  if (!Eligible()) return real_new_aligned(size, alignment);
  return New(t_new, size, false, [=] { return real_new_aligned(size, alignment); });
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  if (!Eligible()) return real_new_array_aligned(size, alignment);
  return New(t_new_array, size, false,
             [=] { return real_new_array_aligned(size, alignment); });
}
void* operator new(std::size_t size, std::align_val_t alignment,
                   const std::nothrow_t& tag) noexcept {
  if (!Eligible()) return real_new_aligned_nothrow(size, alignment, tag);
  return New(t_new, size, true,
             [=] { return real_new_aligned_nothrow(size, alignment, tag); });
}
void* operator new[](std::size_t size, std::align_val_t alignment,
                     const std::nothrow_t& tag) noexcept {
  if (!Eligible()) return real_new_array_aligned_nothrow(size, alignment, tag);
  return New(t_new_array, size, true,
             [=] { return real_new_array_aligned_nothrow(size, alignment, tag); });
}
#pragma GCC visibility pop
