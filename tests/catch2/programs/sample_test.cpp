// A user's Catch2 test program, run by e2e_test.cpp with flags, filters and reporters.
#include <faultline/catch2.hpp>

#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;

// The code under test: work that is retried, and a database that is not.
int DoWork(int attempts) {
  auto work = faultline::Current().Wrap("work", [] { return 1; });
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    try {
      return work();
    } catch (const faultline::InjectedFault&) {
    }
  }
  throw std::runtime_error("gave up");
}

int QueryDb() { return faultline::Current().Wrap("db.query", [] { return 7; })(); }

FAULTLINE_TEST_CASE("sample: tolerates flaky work", "[pass]",
                    faultline::Expected(faultline::Exception("boom").Target("work").Probability(0.3))) {
  for (int i = 0; i < 50; ++i) CHECK(DoWork(10) == 1);
}

FAULTLINE_TEST_CASE("sample: counts faults", "[pass]",
                    faultline::Exception("every-third").Target("work").EveryNth(3)) {
  for (int i = 0; i < 9; ++i) DoWork(2);
  CHECK_FAULT_COUNT("every-third", 4);
}

// Passes, with a note: 10 calls at probability 0.01% are not expected to fire.
FAULTLINE_TEST_CASE("sample: rare rule never fires", "[rare]",
                    faultline::Exception("rare").Target("rare.point").Probability(0.0001)) {
  for (int i = 0; i < 10; ++i) faultline::Current().CheckAndInject("rare.point");
}

FAULTLINE_TEST_CASE("sample: breaks under db faults", "[fail]",
                    faultline::Exception("db-down").Target("db.query").Probability(0.4)) {
  int ok = 0;
  for (int i = 0; i < 30; ++i) {
    try {
      ok += QueryDb() == 7;
    } catch (const faultline::InjectedFault&) {
    }
  }
  REQUIRE(ok == 30);
}

FAULTLINE_TEST_CASE("sample: expected fault never reached", "[fail]",
                    faultline::Expected(faultline::Exception("unreached").Target("nowhere"))) {
  CHECK(DoWork(1) == 1);
}

FAULTLINE_TEST_CASE("sample: failing fault assertions", "[fail]",
                    faultline::Exception("boom").Target("work").OnCalls({1, 2})) {
  DoWork(3);
  CHECK_FAULT_NOT_TRIGGERED("boom");
  CHECK_FAULT_COUNT("boom", 3);
  CHECK_FAULT_TRIGGERED("other");
  CHECK_THAT(faultline::Current().Events(), faultline::catch2::AnyFault(faultline::catch2::AtTarget("db.query")));
}

FAULTLINE_TEST_CASE("sample: sections, one breaks", "[fail]",
                    faultline::Exception("db-down").Target("db.query").Probability(0.5)) {
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      QueryDb();
    } catch (const faultline::InjectedFault&) {
      ++failures;
    }
  }
  SECTION("alpha") { CHECK(failures >= 0); }
  SECTION("beta") { CHECK(failures == 0); }
}

// Hidden: selected only with its tag, by runs that give the rule file.
TEST_CASE("sample: a profile from the rule file", "[.][profile][faultline:from-file]") {
  CHECK_THROWS_AS(QueryDb(), faultline::InjectedFault);
  CHECK_FAULT_TRIGGERED("file-db");
}

}  // namespace
