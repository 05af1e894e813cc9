#include "epoch.hpp"

#include "faultline/internal/call_context.hpp"

#include <mutex>
#include <vector>

namespace faultline::internal {

std::atomic<std::uint64_t> g_epoch{0};
EpochSlot g_unclaimed_slot(1);
__thread EpochSlot* t_epoch_slot __attribute__((tls_model("initial-exec"))) = &g_unclaimed_slot;

namespace {

struct RetiredObject {
  void* object;
  void (*deleter)(void*);
  std::uint64_t epoch;
};

struct Domain {
  std::mutex mutex;  // guards `retired` and advancing the epoch
  std::vector<RetiredObject> retired;
  std::atomic<EpochSlot*> slots{nullptr};  // push-only list
};

Domain& TheDomain() {
  static Domain* domain = new Domain();  // leaked: threads may retire during static teardown
  return *domain;
}

// Releases the thread's slot when the thread exits.
struct SlotOwner {
  EpochSlot* slot = nullptr;
  ~SlotOwner() {
    if (slot == nullptr) return;
    t_epoch_slot = &g_unclaimed_slot;  // a later section of this exiting thread claims anew
    // Handed over quiescent, whatever this thread left behind.
    slot->depth = 0;
    slot->epoch.store(EpochSlot::kQuiescent, std::memory_order_release);
    slot->in_use.store(false, std::memory_order_release);
  }
};

}  // namespace

EpochSlot& ClaimEpochSlot() {
  Domain& domain = TheDomain();
  EpochSlot* slot = domain.slots.load(std::memory_order_acquire);
  for (; slot != nullptr; slot = slot->next) {
    bool free = false;
    if (slot->in_use.compare_exchange_strong(free, true, std::memory_order_acquire)) break;
  }
  if (slot == nullptr) {
    slot = new EpochSlot();  // never freed: other threads scan the list without a lock
    slot->in_use.store(true, std::memory_order_relaxed);
    slot->next = domain.slots.load(std::memory_order_relaxed);
    while (!domain.slots.compare_exchange_weak(slot->next, slot, std::memory_order_seq_cst,
                                               std::memory_order_relaxed)) {
    }
  }
  static thread_local SlotOwner owner;
  owner.slot = slot;
  t_epoch_slot = slot;
  return *slot;
}

namespace {

// Moves the epoch on when every reader in a critical section has announced the current one.
// Caller holds the domain's mutex.
std::uint64_t TryAdvance(Domain& domain) {
  const std::uint64_t epoch = g_epoch.load(std::memory_order_seq_cst);
  for (EpochSlot* slot = domain.slots.load(std::memory_order_seq_cst); slot != nullptr;
       slot = slot->next) {
    const std::uint64_t announced = slot->epoch.load(std::memory_order_seq_cst);
    if (announced != EpochSlot::kQuiescent && announced != epoch) return epoch;
  }
  g_epoch.store(epoch + 1, std::memory_order_seq_cst);
  return epoch + 1;
}

}  // namespace

void Retire(void* object, void (*deleter)(void*)) {
  Domain& domain = TheDomain();
  std::vector<RetiredObject> ready;
  {
    HarnessLock lock(domain.mutex);  // an allocation fault must never fire into this lock
    domain.retired.push_back(
        RetiredObject{object, deleter, g_epoch.load(std::memory_order_seq_cst)});
    const std::uint64_t epoch = TryAdvance(domain);
    auto& retired = domain.retired;
    auto kept = retired.begin();
    for (auto it = retired.begin(); it != retired.end(); ++it) {
      if (it->epoch + 2 <= epoch) {
        ready.push_back(*it);
      } else {
        *kept++ = *it;
      }
    }
    retired.erase(kept, retired.end());
  }
  // Freed outside the lock: a deleter may retire in turn.
  for (const RetiredObject& item : ready) item.deleter(item.object);
}

std::uint64_t RetiredCount() {
  Domain& domain = TheDomain();
  std::lock_guard<std::mutex> lock(domain.mutex);
  return domain.retired.size();
}

}  // namespace faultline::internal
