// A user's Catch2 program that sweeps and explores services with planted bugs, run as a child
// process by e2e_test.cpp; built a second time with PLANTED_BUGS_FIXED, where every run passes,
// to check that a replay line reproduces the bug and nothing else.
#include <faultline/catch2.hpp>

#include <chrono>
#include <cstdio>
#include <map>

#include "planted_bugs.hpp"

namespace {

#if defined(PLANTED_BUGS_FIXED)
constexpr bool kBuggy = false;
#else
constexpr bool kBuggy = true;
#endif

// Fails: the last chunk's failed put is not retried; the sweep finds call 5. The name needs
// quoting and escaping on a Catch2 command line.
FAULTLINE_TEST_CASE("upload: survives any failed put, [storage] included", "[sweep]",
                    faultline::Exception("put-fails").Target("Storage::Put")) {
  faultline::catch2::Sweep([] {
    planted::Uploader uploader(faultline::Current(), kBuggy);
    REQUIRE_NOTHROW(uploader.Upload(5));
  });
}

// Fails: a lock leak and double charges that need two faults at once; Explore finds them and
// shrinks the failing run to those two faults.
FAULTLINE_TEST_CASE("payments: survive a flaky gateway and a slow ledger", "[explore]",
                    faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
                    faultline::Delay("ledger-slow", std::chrono::seconds(2))
                        .Target("Ledger::Record")
                        .Probability(0.3)) {
  static faultline::VirtualClock clock;  // delays cost no time; outlives every use
  faultline::Current().SetClock(&clock);
  faultline::catch2::Explore([] {
    std::map<int, int> charged;
    planted::Payments payments(faultline::Current(), charged, kBuggy);
    for (int order = 1; order <= 6 && !payments.locked(); ++order) payments.Pay(order, 500);
    CHECK_FALSE(payments.locked());
    for (const auto& [order, cents] : charged) {
      INFO("order " << order << " was charged " << cents);
      CHECK(cents == 500);
    }
  });
  faultline::Current().SetClock(nullptr);
}

// Passes: prints the seed of each run (a run is known by its seed), so that the campaign tests
// can compare the runs shards make with the runs of one process.
TEST_CASE("campaign: prints the seed of each run", "[campaign]") {
  faultline::catch2::Explore(faultline::ExploreOptions().Runs(10), [] {
    std::printf("[run seed] %llu\n", static_cast<unsigned long long>(faultline::Current().seed()));
    std::fflush(stdout);
  });
}

}  // namespace
