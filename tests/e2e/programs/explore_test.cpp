// A user's test program that sweeps and explores, run as a child process by the end-to-end
// tests of sweep, explore and --faultline_schedule.
#include <faultline/gtest.hpp>

#include <cstdio>
#include <map>
#include <thread>

#include "planted_bugs.hpp"

namespace {

using namespace std::chrono_literals;

// The fixture FAULTLINE_TEST gives the suite, for its test without rules.
using Upload = faultline::FaultTest;

// Fails: a lock leak and double charges that need two faults at once; Explore finds them and
// shrinks the failing run to those two faults.
FAULTLINE_TEST(Payments, SurviveAFlakyGatewayAndASlowLedger,
               faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
               faultline::Delay("ledger-slow", 2s).Target("Ledger::Record").Probability(0.3)) {
  UseVirtualClock();
  Explore([&] {
    std::map<int, int> charged;
    planted::Payments payments(Injector(), charged);
    for (int order = 1; order <= 6 && !payments.locked(); ++order) payments.Pay(order, 500);
    EXPECT_FALSE(payments.locked()) << "the payment lock leaked";
    for (const auto& [order, cents] : charged) {
      EXPECT_EQ(cents, 500) << "order " << order << " was charged twice";
    }
  });
}

// Fails: the last chunk's failed put is not retried; the sweep finds call 5.
FAULTLINE_TEST(Upload, SurvivesAnyFailedPut,
               faultline::Exception("put-fails").Target("Storage::Put")) {
  Sweep([&] { planted::Uploader(Injector(), true).Upload(5); });
}

// Fails: the sweep of a fault given to Sweep (no rule installed) finds call 5; the failure
// report shows that run's fault.
TEST_F(Upload, SurvivesAGivenFailedPut) {
  Sweep(faultline::Exception("put-fails").Target("Storage::Put"),
        [&] { planted::Uploader(Injector(), true).Upload(5); });
}

// Fails: the fixed uploader retries a failed put once, so an outage of two puts from call 1
// loses chunk 0; the report names the outage, and its replay line repeats it.
TEST_F(Upload, SurvivesAnOutageOfTwoPuts) {
  Sweep(faultline::SweepOptions()
            .Fault(faultline::Exception("put-fails").Target("Storage::Put"))
            .Outage(2),
        [&] { planted::Uploader(Injector(), false).Upload(5); });
}

// Passes: the fixed uploader survives a fault on every call.
FAULTLINE_TEST(Upload, FixedUploaderSurvivesAnyFailedPut,
               faultline::Exception("put-fails").Target("Storage::Put")) {
  EXPECT_TRUE(Sweep([&] { planted::Uploader(Injector(), false).Upload(5); }).complete);
}

// The campaign tests run these under --faultline_explore_* flags.
using Campaign = faultline::FaultTest;

// Passes: prints the seed of each run (a run is known by its seed), so that the runs shards
// make can be compared with the runs of one process.
TEST_F(Campaign, PrintsTheSeedOfEachRun) {
  Explore(faultline::ExploreOptions().Runs(10), [&] {
    std::printf("[run seed] %llu\n", static_cast<unsigned long long>(Injector().seed()));
  });
}

// Passes: runs of a known duration, for a time budget to stop.
TEST_F(Campaign, TakesTenMillisecondsARun) {
  Explore(faultline::ExploreOptions().Runs(1000), [] { std::this_thread::sleep_for(10ms); });
}

}  // namespace
