// A user's test program whose --faultline_report feeds faultline-report's tests: a planted
// failure that an exploration finds and shrinks, a passing sweep, and a target that every test
// reaches and none faults (an error path nothing exercised).
#include <faultline/gtest.hpp>
#include <map>

#include "planted_bugs.hpp"

namespace {

using namespace std::chrono_literals;

using Upload = faultline::FaultTest;

void Audit() { static_cast<void>(FAULTLINE_POINT("Audit::Log")); }

// Fails: the payments service leaks its lock and charges twice when the 3rd gateway call fails
// and the 5th ledger write is slow.
FAULTLINE_TEST(Payments, SurviveAFlakyGatewayAndASlowLedger,
               faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
               faultline::Delay("ledger-slow", 2s).Target("Ledger::Record").Probability(0.3)) {
  UseVirtualClock();
  Explore([&] {
    std::map<int, int> charged;
    planted::Payments payments(Injector(), charged);
    for (int order = 1; order <= 6 && !payments.locked(); ++order) {
      payments.Pay(order, 500);
      Audit();
    }
    EXPECT_FALSE(payments.locked()) << "the payment lock leaked";
  });
}

// Passes: the fixed service survives every exploring run; its runs split into shards merge
// into the same totals.
FAULTLINE_TEST(Payments, FixedServiceSurvivesAFlakyGatewayAndASlowLedger,
               faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
               faultline::Delay("ledger-slow", 2s).Target("Ledger::Record").Probability(0.3)) {
  UseVirtualClock();
  Explore(faultline::ExploreOptions().Runs(30), [&] {
    std::map<int, int> charged;
    planted::Payments payments(Injector(), charged, false);
    for (int order = 1; order <= 6; ++order) payments.Pay(order, 500);
    EXPECT_FALSE(payments.locked());
  });
}

// Passes: the fixed uploader survives a failed put at any call.
FAULTLINE_TEST(Upload, FixedUploaderSurvivesAnyFailedPut,
               faultline::Exception("put-fails").Target("Storage::Put")) {
  Sweep([&] {
    planted::Uploader(Injector(), false).Upload(5);
    Audit();
  });
}

// Passes: no rule at all, one run.
TEST(Audit, LogsThreeTimes) {
  for (int i = 0; i < 3; ++i) Audit();
}

}  // namespace
