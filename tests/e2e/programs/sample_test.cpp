// A user's test program, run as a child process by the end-to-end tests.
#include <faultline/gtest.hpp>

#include <cstdlib>
#include <string>

namespace {

using namespace std::chrono_literals;

int Work(int x) { return x + 1; }

// The fixture FAULTLINE_TEST gives the suite, for its tests without rules.
using Sample = faultline::FaultTest;

// Passes: it tolerates the faults it asks for and checks they happened.
FAULTLINE_TEST(Sample, ToleratesFlakyWork,
               faultline::Expected(faultline::Exception("boom").Target("work").Probability(0.5))) {
  auto work = Injector().Wrap("work", &Work);
  int failures = 0;
  for (int i = 0; i < 40; ++i) {
    try {
      work(i);
    } catch (const faultline::InjectedFault&) {
      ++failures;
    }
  }
  EXPECT_GT(failures, 0);
}

// Fails under its faults: the bug a fault-injection run is there to find.
FAULTLINE_TEST(Sample, BreaksUnderDbFaults,
               faultline::Exception("db-down").Target("db").Probability(0.3)) {
  auto db = Injector().Wrap("db", &Work);
  for (int i = 0; i < 20; ++i) db(i);
}

// Fails: its expected fault never fires because nothing calls "never.called".
FAULTLINE_TEST(Sample, ExpectedFaultNeverReached,
               faultline::Expected(faultline::Exception("unreached").Target("never.called"))) {
  SUCCEED();
}

// Fails: the expectation of its second annotation is verified, and reported at that annotation.
FAULTLINE_TEST(Sample, ExpectationOfASecondAnnotation,
               faultline::Exception("first").Target("first.point")) {
  SUCCEED();
}
FAULTLINE_ANNOTATE(Sample, ExpectationOfASecondAnnotation,
                   faultline::Expected(faultline::Exception("second").Target("second.point")));

// Fails: its expectation names no installed rule; reported at the ExpectFault line.
TEST_F(Sample, ExpectFaultOfAMissingRule) { ExpectFault("missing"); }

// Passes, with a note: 10 calls at probability 0.01% are not expected to fire.
FAULTLINE_TEST(Sample, RareRuleNeverFires,
               faultline::Exception("rare").Target("rare.point").Probability(0.0001)) {
  for (int i = 0; i < 10; ++i) Injector().CheckAndInject("rare.point");
}

// Fails: its rule's value cannot become the wrapped call's result, which is found when the rule
// fires; the call is made and the test fails naming rule, target and types.
FAULTLINE_TEST(Sample, ReturnOfTheWrongType, faultline::Return("wrong", 5).Target("typed.db")) {
  auto db = Injector().Wrap("typed.db", [](auto x) { return std::to_string(x); });
  EXPECT_EQ(db(1), "1");
}

// Fails when run: a disabled test replays only with --gtest_also_run_disabled_tests.
TEST_F(Sample, DISABLED_FailsWhenRun) { ADD_FAILURE() << "the disabled test ran"; }

// Driven by --faultline_rules / FAULTLINE_RULES: counts what the fault point injected.
TEST(Plain, PointDrivenByCommandLineRules) {
  int injected = 0;
  for (int i = 0; i < 100; ++i) {
    try {
      if (FAULTLINE_POINT("flag.point")) ++injected;
    } catch (const faultline::InjectedFault&) {
      ++injected;
    }
  }
  std::printf("injected=%d\n", injected);
}

class Shards : public faultline::FaultTest, public ::testing::WithParamInterface<int> {};
FAULTLINE_ANNOTATE(Shards, Many, faultline::Return("r", 1).Target("shard.*").Probability(0.4));
TEST_P(Shards, Many) {
  auto& site = Injector().Intern("shard." + std::to_string(GetParam() % 3));
  for (int i = 0; i < 30; ++i) Injector().Check(site);
}
INSTANTIATE_TEST_SUITE_P(P, Shards, ::testing::Range(0, 12));

}  // namespace

namespace {
// Fails when run: every test of a disabled suite replays only with
// --gtest_also_run_disabled_tests.
TEST(DISABLED_Suite, FailsWhenRun) { ADD_FAILURE() << "the disabled suite ran"; }

// A child process started by a test sees the test's rules and seed.
TEST(Plain, ChildProcessesInheritRules) {
  FILE* child = popen("echo \"rules=$FAULTLINE_RULES seed=$FAULTLINE_SEED\"", "r");
  ASSERT_NE(child, nullptr);
  char line[512] = {};
  ASSERT_NE(std::fgets(line, sizeof line, child), nullptr);
  pclose(child);
  std::printf("child saw %s", line);
}
}  // namespace
