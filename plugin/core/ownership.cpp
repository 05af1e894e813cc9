#include "faultline/internal/ownership.hpp"

#include <mutex>
#include <utility>

#include "faultline/internal/call_context.hpp"

namespace faultline::internal {

std::atomic<std::uint64_t> g_running_test{0};
std::atomic<bool> g_tests_managed{false};
__thread int t_shared_threads_depth = 0;

namespace {

struct Ownership {
  std::mutex mutex;
  std::uint64_t last_id = 0;
  std::shared_ptr<const std::string> running;  // null between tests
};
Ownership& State() {
  static Ownership* state = new Ownership();  // leaked: threads may outlive main
  return *state;
}

thread_local ThreadOwner t_owner;

// Distinct notes kept between two TakeNotes calls; later ones are only counted.
constexpr std::size_t kMaxNotes = 64;
struct Notes {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::uint64_t>> kept;  // text, times reported
  std::uint64_t dropped = 0;
};
Notes& ReportedNotes() {
  static Notes* notes = new Notes();  // leaked: reported from any thread until exit
  return *notes;
}

}  // namespace

std::uint64_t BeginTestOwnership(std::string name) {
  Ownership& state = State();
  HarnessLock lock(state.mutex);
  state.running = std::make_shared<const std::string>(std::move(name));
  g_running_test.store(++state.last_id, std::memory_order_release);
  return state.last_id;
}

void EndTestOwnership() {
  Ownership& state = State();
  HarnessLock lock(state.mutex);
  state.running.reset();
  g_running_test.store(0, std::memory_order_release);
}

ThreadOwner OwnerForNewThread() {
  if (t_shared_threads_depth > 0) return {};
  Ownership& state = State();
  HarnessLock lock(state.mutex);
  return ThreadOwner{g_running_test.load(std::memory_order_relaxed), state.running};
}

void AdoptOwner(ThreadOwner owner) { t_owner = std::move(owner); }

bool ClaimFault(const std::string& rule, const std::string& target,
                std::shared_ptr<const std::string>* test) {
  // Without a test adapter and outside any test there is nothing to tag or note: no lock.
  if (t_owner.test == 0 && g_running_test.load(std::memory_order_relaxed) == 0 &&
      !g_tests_managed.load(std::memory_order_relaxed)) {
    return true;
  }
  std::string note;
  bool inject = true;
  {
    Ownership& state = State();
    HarnessLock lock(state.mutex);
    const std::uint64_t running = g_running_test.load(std::memory_order_relaxed);
    if (t_owner.test != 0 && t_owner.test != running) {
      note = "rule \"" + rule + "\" was not injected on \"" + target +
             "\" in a thread started by test " + *t_owner.name +
             ", which has ended: rules never fire on a thread a finished test left running";
      inject = false;
    } else {
      *test = state.running;
      if (running == 0 && g_tests_managed.load(std::memory_order_relaxed)) {
        note = "rule \"" + rule + "\" fired on \"" + target +
               "\" outside any test (in a set-up or tear-down of a suite or environment): "
               "no test counts it";
      }
    }
  }
  if (!note.empty()) ReportNote(note);
  return inject;
}

void ReportNote(const std::string& message) {
  Notes& notes = ReportedNotes();
  HarnessLock lock(notes.mutex);
  for (auto& [text, count] : notes.kept) {
    if (text == message) {
      ++count;
      return;
    }
  }
  if (notes.kept.size() < kMaxNotes) {
    notes.kept.emplace_back(message, 1);
  } else {
    ++notes.dropped;
  }
}

std::vector<std::string> TakeNotes() {
  Notes& notes = ReportedNotes();
  HarnessLock lock(notes.mutex);
  std::vector<std::string> taken;
  for (auto& [text, count] : notes.kept) {
    taken.push_back(count == 1 ? std::move(text) : text + " (" + std::to_string(count) + " times)");
  }
  if (notes.dropped > 0) {
    taken.push_back(std::to_string(notes.dropped) + " more note(s) not kept");
  }
  notes.kept.clear();
  notes.dropped = 0;
  return taken;
}

}  // namespace faultline::internal
