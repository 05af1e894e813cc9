// A user's test program with a planted race and sync points: run by the end-to-end tests
// without rules (the race hides) and with an ordering rule on the command line (it fails every
// run), and with pause and wait rules that are released, time out, or outlive their test.
#include <faultline/gtest.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace {

// A cache entry written in two steps, its value and then its checksum. A reader running
// between the two steps sees a value whose checksum does not match: the planted race.
class Cache {
 public:
  void Put(int value) {
    value_.store(value);
    static_cast<void>(FAULTLINE_POINT("cache.put.between"));
    checksum_.store(Checksum(value));
  }
  // The value, or nothing when the entry read was torn.
  std::optional<int> Get() const {
    static_cast<void>(FAULTLINE_POINT("cache.get.begin"));
    const int value = value_.load();
    const int checksum = checksum_.load();
    static_cast<void>(FAULTLINE_POINT("cache.get.end"));
    if (checksum != Checksum(value)) return std::nullopt;
    return value;
  }

 private:
  static int Checksum(int value) { return value * 31 + 7; }
  std::atomic<int> value_{1};
  std::atomic<int> checksum_{Checksum(1)};
};

TEST(CacheRace, AReaderNeverSeesATornEntry) {
  // A point's first check interns its target, which takes long enough on a loaded machine for
  // the reader to land between the writer's steps: the targets are interned before the race.
  for (const char* target : {"cache.put.between", "cache.get.begin", "cache.get.end"}) {
    faultline::Current().Intern(target);
  }
  Cache cache;
  std::thread writer([&] { cache.Put(2); });
  std::optional<int> read;
  std::thread reader([&] {
    // Readers come a little later, as they mostly do: without an ordering rule the race hides
    // (a reader lands between the writer's two steps only by chance, rarely).
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    read = cache.Get();
  });
  writer.join();
  reader.join();
  EXPECT_TRUE(read.has_value()) << "the reader saw a torn entry";
}

// The test thread holds a worker at a point and lets it go: the pause/release handshake.
FAULTLINE_TEST(Sync, PauseAndRelease, faultline::Pause("hold").Target("job.step")) {
  std::atomic<bool> done{false};
  std::thread worker([&] {
    static_cast<void>(FAULTLINE_POINT("job.step"));
    done = true;
  });
  EXPECT_TRUE(Injector().WaitForHit("job.step"));
  EXPECT_FALSE(done);
  Injector().Release("hold");
  worker.join();
  EXPECT_TRUE(done);
}

// Fails: the point it waits for is never reached; the worker goes on after the timeout.
FAULTLINE_TEST(SyncFails, AWaitForAPointNeverReached,
               faultline::Wait("w", "job.never").Target("job.step").Delay(
                   std::chrono::milliseconds(50))) {
  std::thread worker([] { static_cast<void>(FAULTLINE_POINT("job.step")); });
  worker.join();
}

std::promise<void> g_parked_thread_went_on;

// Leaves a thread parked at a pause nobody releases: the end of the test releases it.
FAULTLINE_TEST(SyncEnd, ATestEndsWithAThreadParked, faultline::Pause("hold").Target("job.step")) {
  std::thread([] {
    static_cast<void>(FAULTLINE_POINT("job.step"));
    g_parked_thread_went_on.set_value();
  }).detach();
  EXPECT_TRUE(Injector().WaitForHit("job.step"));
}

// Runs after the one above: its thread was released by that test's end, not by a timeout
// (which would fail this test with the pause's message).
TEST(SyncEndNext, TheNextTestFindsItReleased) { g_parked_thread_went_on.get_future().get(); }

}  // namespace
