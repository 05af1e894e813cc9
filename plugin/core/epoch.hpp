// Epoch-based reclamation of what the hot path reads: rule lists and rules replaced by a rule
// change are retired here and freed once no reader can still hold them.
//
// Why a reader never sees freed memory: a reader announces the global epoch in its thread's
// slot (a sequentially consistent exchange) before it loads a site's rule list or the replay
// plan (sequentially consistent loads), and withdraws it when done. A writer first unpublishes an object, then retires it tagged with the global
// epoch E read after unpublishing. The epoch moves from E to E+1 only when every announced
// slot holds E, and to E+2 only when every announced slot holds E+1. A reader announcing E+1
// did so after the epoch became E+1, so after the object was unpublished: its load cannot
// return the object (all of these are sequentially consistent, so they fall in one total
// order). Hence at epoch E+2 no reader holds the object and it is freed.
//
// Readers never wait and never lock; a reader that stays in a critical section only postpones
// freeing (faults are applied after the section ends, so a delay rule sleeps outside it).
// Sections are not async-signal-safe: a fault check in a signal handler that interrupts one
// could end its announcement early.
#pragma once

#include <atomic>
#include <cstdint>

#include "faultline/export.hpp"

namespace faultline::internal {

// A thread's announcement; slots are reused by later threads and never freed.
struct alignas(64) EpochSlot {
  static constexpr std::uint64_t kQuiescent = ~std::uint64_t{0};
  EpochSlot() = default;
  explicit constexpr EpochSlot(std::uint32_t initial_depth) : depth(initial_depth) {}
  std::atomic<std::uint64_t> epoch{kQuiescent};
  std::uint32_t depth = 0;  // nesting of critical sections; touched by the owner only
  std::atomic<bool> in_use{false};
  EpochSlot* next = nullptr;
};

// The slot of every thread before its first critical section: never written. Its depth is not
// 0, so a leaf section's one test of the depth (see EnterLeafEpoch) also sends a thread without
// a slot to EnterEpoch, which claims one.
extern FAULTLINE_API EpochSlot g_unclaimed_slot;
// The calling thread's slot (g_unclaimed_slot before its first critical section).
// Initial-exec TLS: a critical section costs no call.
extern FAULTLINE_API __thread EpochSlot* t_epoch_slot __attribute__((tls_model("initial-exec")));
// Claims a slot for the calling thread (released when the thread exits).
FAULTLINE_API EpochSlot& ClaimEpochSlot();
// The epoch a reader announces.
extern FAULTLINE_API std::atomic<std::uint64_t> g_epoch;

// A reader's critical section, from EnterEpoch to ExitEpoch on the slot it returned:
// everything loaded from published pointers inside it stays valid until it ends. Nests. Not a
// guard object on purpose: an exception unwinding through a frame with a destructor costs a
// second unwinding pass, and fired exception rules are on a test's hot path.
inline EpochSlot& EnterEpoch() {
  EpochSlot& slot = t_epoch_slot != &g_unclaimed_slot ? *t_epoch_slot : ClaimEpochSlot();
  if (slot.depth++ == 0) {
    slot.epoch.exchange(g_epoch.load(std::memory_order_acquire), std::memory_order_seq_cst);
  }
  return slot;
}
// A critical section that calls nothing: EnterEpoch and ExitEpoch for a thread with a slot and
// no section open (t_epoch_slot->depth == 0), leaving the depth at 0. Before a call that may open a
// nested section, or that ends this one with ExitEpoch, the depth must be set to 1
// (CountOutermostEpoch).
inline void EnterLeafEpoch(EpochSlot& slot) {
  slot.epoch.exchange(g_epoch.load(std::memory_order_acquire), std::memory_order_seq_cst);
}
inline void ExitLeafEpoch(EpochSlot& slot) {
  slot.epoch.store(EpochSlot::kQuiescent, std::memory_order_release);
}
// Makes a section entered by EnterLeafEpoch an ordinary one, which ExitEpoch ends.
inline EpochSlot& CountOutermostEpoch(EpochSlot& slot) {
  slot.depth = 1;
  return slot;
}
// The calling thread's slot, inside a critical section.
inline EpochSlot& CurrentEpochSlot() { return *t_epoch_slot; }
inline void ExitEpoch(EpochSlot& slot) {
  if (--slot.depth == 0) slot.epoch.store(EpochSlot::kQuiescent, std::memory_order_release);
}

// Frees `object` with `deleter` once no reader can hold it. Call after unpublishing it.
FAULTLINE_API void Retire(void* object, void (*deleter)(void*));
template <class T>
void Retire(const T* object) {
  if (object != nullptr) {
    Retire(const_cast<T*>(object), [](void* p) { delete static_cast<T*>(p); });
  }
}
// Objects retired and not yet freed (for tests).
FAULTLINE_API std::uint64_t RetiredCount();

}  // namespace faultline::internal
