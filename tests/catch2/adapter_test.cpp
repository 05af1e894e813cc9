// The Catch2 adapter seen from inside a test program: rules, seeds, sections, assertions,
// matchers, profiles, Sweep and Explore. Failure output is checked end to end (e2e_test.cpp).
#include <faultline/catch2.hpp>

#include "catch2_compat.hpp"
#include "planted_bugs.hpp"

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using faultline::Current;
using faultline::FaultEvent;
using faultline::FaultType;
using faultline::internal::Session;
using faultline::catch2::AllFaults;
using faultline::catch2::AnyFault;
using faultline::catch2::AtTarget;
using faultline::catch2::FaultNamed;
using faultline::catch2::FaultOfType;

std::vector<std::string> RuleNames() {
  std::vector<std::string> names;
  for (const auto& rule : Current().Rules()) names.push_back(rule.name());
  return names;
}

// Checks `target` `n` times on `injector`; returns the ordinals of the calls that failed.
std::vector<std::uint64_t> FailingCalls(faultline::FaultInjector& injector, const std::string& target, int n) {
  std::vector<std::uint64_t> failed;
  for (int call = 1; call <= n; ++call) {
    try {
      injector.CheckAndInject(target);
    } catch (const faultline::InjectedFault&) {
      failed.push_back(static_cast<std::uint64_t>(call));
    }
  }
  return failed;
}

FAULTLINE_PROFILE("flaky-disk", faultline::Exception("disk-error").Target("disk.write").Probability(0.5))

FAULTLINE_TEST_CASE("annotated rules are installed for the test case", "[adapter]",
                    faultline::Exception("boom").Target("work"),
                    faultline::Delay("slow", std::chrono::milliseconds(1)).Target("other").Probability(0)) {
  CHECK(RuleNames() == std::vector<std::string>{"boom", "slow"});
  CHECK_THROWS_AS(Current().CheckAndInject("work"), faultline::InjectedFault);
  CHECK_FAULT_TRIGGERED("boom");
  CHECK_FAULT_NOT_TRIGGERED("slow");
  CHECK_FAULT_COUNT("boom", 1);
}

FAULTLINE_TEST_CASE("a paused fault point goes on once the test releases it", "[adapter][sync]",
                    faultline::Pause("hold").Target("step")) {
  bool stepped = false;
  std::thread worker([&] {
    static_cast<void>(FAULTLINE_POINT("step"));
    stepped = true;
  });
  const bool hit = Current().WaitForHit("step");
  const bool stepped_before_release = stepped;
  Current().Release("hold");
  worker.join();
  CHECK(hit);
  CHECK_FALSE(stepped_before_release);
  CHECK(stepped);
}

TEST_CASE("a plain test case starts with no rule and a clean injector", "[adapter]") {
  CHECK(RuleNames().empty());
  CHECK(Current().Events().empty());
  CHECK(Current().enabled());
}

FAULTLINE_TEST_CASE("the seed is mix(global seed, test case name)", "[adapter]") {
  const Session& session = Session::Instance();
  CHECK(Current().seed() == session.TestSeed("the seed is mix(global seed, test case name)"));
  CHECK(session.global_seed() == faultline::kDefaultSeed);
}

FAULTLINE_TEST_CASE("each run through the sections gets the same seed and fresh state", "[adapter]",
                    faultline::Exception("flaky").Target("op").Probability(0.5)) {
  // Another injector with the test case's seed and the same rule: the reference decisions.
  faultline::FaultInjector reference(Session::Instance().TestSeed(
      "each run through the sections gets the same seed and fresh state"));
  reference.AddRule(faultline::Exception("flaky").Target("op").Probability(0.5));
  const std::vector<std::uint64_t> expected = FailingCalls(reference, "op", 40);
  REQUIRE(Current().Events().empty());

  SECTION("first section") { CHECK(FailingCalls(Current(), "op", 40) == expected); }
  SECTION("second section") {
    SECTION("nested") { CHECK(FailingCalls(Current(), "op", 40) == expected); }
  }
  CHECK_FAULT_COUNT("flaky", expected.size());
}

FAULTLINE_TEST_CASE("expectations made in the body are verified at its end", "[adapter]",
                    faultline::Exception("once").Target("op").MaxTriggers(1)) {
  faultline::catch2::ExpectFault("once").Times(1);
  CHECK_THROWS(Current().CheckAndInject("op"));
  Current().CheckAndInject("op");
}

TEST_CASE("ExpectFault outside a FAULTLINE_TEST_CASE is refused", "[adapter]") {
  CHECK_THROWS_WITH(faultline::catch2::ExpectFault("x"),
                    faultline::testing::Contains("verified only in the body of a FAULTLINE_TEST_CASE"));
}

FAULTLINE_TEST_CASE("an expected rule that never fires fails the run", "[adapter][!shouldfail]",
                    faultline::Expected(faultline::Exception("never").Target("nowhere"))) {}

FAULTLINE_TEST_CASE("a failed fault assertion fails the test case", "[adapter][!shouldfail]",
                    faultline::Exception("quiet").Target("nowhere")) {
  CHECK_FAULT_TRIGGERED("quiet");
}

TEST_CASE("fault checks explain what fired", "[adapter]") {
  auto scope = Current().Scope({faultline::Exception("a").Target("x"), faultline::Exception("b").Target("y")});
  CHECK_THROWS(Current().CheckAndInject("x"));
  CHECK_THROWS(Current().CheckAndInject("x"));
  auto text = [](const faultline::catch2::internal::FaultCheck& check) {
    std::ostringstream out;
    check.streamReconstructedExpression(out);
    return out.str();
  };
  const auto triggered = faultline::catch2::internal::FaultTriggered("b");
  CHECK_FALSE(triggered.getResult());
  CHECK(text(triggered) == "\"b\" never fired; faults that fired: a (2)");
  const auto not_triggered = faultline::catch2::internal::FaultNotTriggered("a");
  CHECK_FALSE(not_triggered.getResult());
  CHECK(text(not_triggered) == "\"a\" fired 2 time(s); faults that fired: a (2)");
  const auto count = faultline::catch2::internal::FaultCount("a", 3);
  CHECK_FALSE(count.getResult());
  CHECK(text(count) == "\"a\" fired 2 time(s), expected 3; faults that fired: a (2)");
  CHECK(faultline::catch2::internal::FaultCount("a", 2).getResult());
}

TEST_CASE("event matchers match and describe", "[adapter]") {
  FaultEvent event;
  event.rule = "gw";
  event.type = FaultType::kTimeout;
  event.target = "Gateway::Charge";
  event.call = 3;
  CHECK_THAT(event, FaultNamed("gw") && FaultOfType(FaultType::kTimeout) && AtTarget("Gateway::Charge"));
  CHECK_THAT(event, !FaultNamed("db") && !AtTarget("Gateway::Refund"));
  CHECK(FaultNamed("gw").describe() == "is a fault of rule \"gw\"");
  CHECK(FaultOfType(FaultType::kDelay).describe() == "is a fault of type delay");
  CHECK(AtTarget("t").describe() == "is a fault at target \"t\"");
  CHECK(Catch::Detail::stringify(event) == "gw (timeout) on Gateway::Charge call 3");

  FaultEvent other = event;
  other.rule = "db";
  const std::vector<FaultEvent> events{event, other};
  CHECK_THAT(events, AnyFault(FaultNamed("db")));
  CHECK_THAT(events, !AllFaults(FaultNamed("db")));
  CHECK_THAT(events, AllFaults(AtTarget("Gateway::Charge")));
  CHECK_THAT(std::vector<FaultEvent>{}, !AnyFault(FaultNamed("db")));
  CHECK(AnyFault(FaultNamed("db")).describe() == "contain a fault which is a fault of rule \"db\"");
  CHECK(AllFaults(FaultNamed("db")).describe() == "are all faults which is a fault of rule \"db\"");
}

TEST_CASE("matchers work on the events the injector collected", "[adapter]") {
  auto scope = Current().Scope({faultline::Timeout("slow", std::chrono::nanoseconds(0)).Target("db.read")});
  CHECK_THROWS_AS(Current().CheckAndInject("db.read"), faultline::InjectedTimeout);
  CHECK_THAT(Current().Events(), AllFaults(FaultNamed("slow") && FaultOfType(FaultType::kTimeout)));
}

TEST_CASE("a profile tag installs the profile's rules", "[adapter][faultline:flaky-disk]") {
  CHECK(RuleNames() == std::vector<std::string>{"disk-error"});
  CHECK(Current().seed() == Session::Instance().TestSeed("a profile tag installs the profile's rules"));
}

FAULTLINE_TEST_CASE("profile rules and annotated rules are installed together",
                    "[adapter][faultline:flaky-disk]", faultline::Exception("boom").Target("work")) {
  CHECK(RuleNames() == std::vector<std::string>{"boom", "disk-error"});
}

struct Counter {
  Counter() : rules_at_construction(Current().Rules().size()) {}
  std::size_t rules_at_construction;
};

FAULTLINE_TEST_CASE_METHOD(Counter, "fixtures are built after the rules are installed", "[adapter]",
                           faultline::Exception("boom").Target("work")) {
  CHECK(rules_at_construction == 1);
  CHECK_THROWS(Current().CheckAndInject("work"));
  REQUIRE_FAULT_COUNT("boom", 1);
}

FAULTLINE_TEST_CASE("a FAULTLINE_TEST_CASE needs neither tags nor rules") { CHECK(RuleNames().empty()); }

// Uploads 4 chunks and checks with Catch2 assertions that none was lost; `buggy` drops the last
// chunk when its put fails.
void UploadAndCheckNoLoss(bool buggy) {
  std::set<int> stored;
  auto put = Current().Wrap("Storage::Put", [&stored](int chunk) { stored.insert(chunk); });
  for (int chunk = 0; chunk < 4; ++chunk) {
    try {
      put(chunk);
    } catch (const faultline::InjectedFault&) {
      if (!buggy || chunk < 3) put(chunk);
    }
  }
  INFO("a chunk was lost");
  CHECK(stored.size() == 4u);
}

// How often `part` occurs in `text`.
std::size_t Occurrences(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

FAULTLINE_TEST_CASE("a sweep whose every run passes passes and gives the rules back", "[adapter][sweep]",
                    faultline::Exception("put-fails").Target("Storage::*").Probability(0.1)) {
  faultline::SweepResult result;
  const std::optional<std::string> reported = faultline::catch2::internal::CollectFailures(
      [&] { result = faultline::catch2::Sweep([] { UploadAndCheckNoLoss(false); }); });
  CHECK_FALSE(reported);
  CHECK(result.passed());
  CHECK(result.complete);
  CHECK(result.runs == 6);
  CHECK(RuleNames() == std::vector<std::string>{"put-fails"});
}

TEST_CASE("a sweep that finds a bug fails the test case once, naming the schedule", "[adapter][sweep]") {
  faultline::SweepResult result;
  const std::optional<std::string> reported = faultline::catch2::internal::CollectFailures([&] {
    result = faultline::catch2::Sweep(faultline::Exception("put-fails").Target("Storage::Put"),
                                      [] { UploadAndCheckNoLoss(true); });
  });
  REQUIRE(reported);
  // One failure, at the call, explicit: the runs' own failed CHECKs are in its report.
  CHECK(Occurrences(*reported, "adapter_test.cpp:") == 2);
  CHECK(reported->rfind("faultline::catch2::Sweep\n  explicitly with message: [faultline] sweep: ") !=
        std::string::npos);
  CHECK_THAT(*reported, faultline::testing::Contains("[faultline] failing schedule: put-fails=Storage::Put@4\n"));
  CHECK_THAT(*reported, faultline::testing::Contains("[faultline] replay: --faultline-schedule=put-fails=Storage::Put@4\n"));
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].schedule.ToString() == "put-fails=Storage::Put@4");
  CHECK_THAT(result.failures[0].message, faultline::testing::Contains(
                                             ": CHECK( stored.size() == 4u )\n"
                                             "  with expansion: 3 == 4\n"
                                             "  with message: a chunk was lost\n"));
}

TEST_CASE("a failed REQUIRE or an exception ends only the run", "[adapter][sweep]") {
  faultline::SweepResult result;
  int completed = 0;
  faultline::catch2::internal::CollectFailures([&] {
    result = faultline::catch2::Sweep(faultline::Exception("put-fails").Target("Storage::Put"), [&] {
      planted::Uploader uploader(Current(), true);
      REQUIRE_NOTHROW(uploader.Upload(3));
      ++completed;
    });
  });
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].schedule.ToString() == "put-fails=Storage::Put@3");
  CHECK_THAT(result.failures[0].message,
             faultline::testing::Contains(": REQUIRE_NOTHROW( uploader.Upload(3) )\n"
                                          "  due to unexpected exception with message: chunk 2 was lost\n"));
  CHECK(result.runs == 4);
  CHECK(completed == 3);  // every run but the failing one

  const std::optional<std::string> thrown = faultline::catch2::internal::CollectFailures(
      [] { planted::Uploader(Current(), true).Upload(1); });
  CHECK_FALSE(thrown);
  auto scope = Current().Scope({faultline::Exception("put-fails").Target("Storage::Put")});
  const std::optional<std::string> escaped = faultline::catch2::internal::CollectFailures(
      [] { planted::Uploader(Current(), true).Upload(1); });
  REQUIRE(escaped);
  CHECK(*escaped == "exception escaped the body: chunk 0 was lost\n");
}

FAULTLINE_TEST_CASE("an explore that finds a bug shrinks it and fails once with the replay setting",
                    "[adapter][explore]",
                    faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
                    faultline::Delay("ledger-slow", std::chrono::seconds(2)).Target("Ledger::Record").Probability(0.3)) {
  static faultline::VirtualClock clock;  // outlives the test case's runs: delays cost no time
  Current().SetClock(&clock);
  faultline::ExploreResult result;
  const std::optional<std::string> reported = faultline::catch2::internal::CollectFailures([&] {
    result = faultline::catch2::Explore([] {
      std::map<int, int> charged;
      planted::Payments payments(Current(), charged);
      for (int order = 1; order <= 6 && !payments.locked(); ++order) payments.Pay(order, 500);
      CHECK_FALSE(payments.locked());
    });
  });
  Current().SetClock(nullptr);
  REQUIRE(reported);
  CHECK(Occurrences(*reported, "explicitly with message:") == 1);
  CHECK_THAT(*reported, faultline::testing::Contains("[faultline] minimal schedule (2 fault(s), "));
  CHECK_THAT(*reported, faultline::testing::Contains(
                            "[faultline] replay: --faultline-schedule="
                            "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5\n"));
  CHECK(result.failed);
  CHECK_FALSE(result.flaky);
  CHECK(result.minimal.ToString() == "gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5");
  CHECK_THAT(result.message, faultline::testing::Contains(": CHECK_FALSE( payments.locked() )\n"
                                                          "  with expansion: !true\n"));
}

FAULTLINE_TEST_CASE("an explore whose every run passes passes", "[adapter][explore]",
                    faultline::Exception("gw-fail").Target("Gateway::Charge").Probability(0.3),
                    faultline::Delay("ledger-slow", std::chrono::seconds(2)).Target("Ledger::Record").Probability(0.3)) {
  static faultline::VirtualClock clock;
  Current().SetClock(&clock);
  const faultline::ExploreResult result =
      faultline::catch2::Explore(faultline::ExploreOptions().Runs(50), [] {
        std::map<int, int> charged;
        planted::Payments payments(Current(), charged, /*buggy=*/false);
        for (int order = 1; order <= 6 && !payments.locked(); ++order) payments.Pay(order, 500);
        CHECK_FALSE(payments.locked());
        for (const auto& [order, cents] : charged) CHECK(cents == 500);
      });
  Current().SetClock(nullptr);
  CHECK_FALSE(result.failed);
  CHECK(result.runs == 50);
  CHECK(RuleNames() == std::vector<std::string>{"gw-fail", "ledger-slow"});
}

#if CATCH_VERSION_MAJOR >= 3
TEST_CASE("a SKIP in a run skips the test case", "[adapter][sweep]") {
  faultline::catch2::Sweep(faultline::Exception("put-fails").Target("Storage::Put"),
                           [] { SKIP("no storage here"); });
  FAIL("a skipped run must end the test case");
}
#endif

}  // namespace
