// A user's suite of 200 tests with 5 annotated rules each, run by bench/run.py as a child
// process: its peak RSS under --gtest_repeat=500 beside --gtest_repeat=1, and its start-up
// with thousands of --faultline_rules beside none.
#include <faultline/gtest.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

// Prints "peak_rss_kb=N" on stderr after each repeat. VmHWM belongs to this program's own
// address space, whereas the ru_maxrss of a child starts at the RSS of the process that forked
// it (a Python interpreter outweighs one repeat of this suite).
class PeakRss : public ::testing::Environment {
 public:
  void TearDown() override {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmHWM:", 0) == 0) {
        std::fprintf(stderr, "peak_rss_kb=%ld\n", std::stol(line.substr(6)));
      }
    }
  }
};
::testing::Environment* const peak_rss [[maybe_unused]] =
    ::testing::AddGlobalTestEnvironment(new PeakRss);

int Fetch(int key) { return key + 1; }

class Service : public faultline::FaultTest, public ::testing::WithParamInterface<int> {};

FAULTLINE_ANNOTATE(Service, HandlesFaults,
                   faultline::Return("fetch-fails", -1).Target("service.fetch").Probability(0.2),
                   faultline::Return("store-fails", -1).Target("service.store").Probability(0.2),
                   faultline::Return("cache-misses", -1).Target("service.cache").Probability(0.2),
                   faultline::Return("log-fails", -1).Target("service.log").Probability(0.2),
                   faultline::Return("auth-fails", -1).Target("service.auth").Probability(0.2));

// Calls each target a few times, so every rule is checked and fires now and then.
TEST_P(Service, HandlesFaults) {
  int failures = 0;
  for (const char* target :
       {"service.fetch", "service.store", "service.cache", "service.log", "service.auth"}) {
    auto call = Injector().Wrap(target, &Fetch);
    for (int i = 0; i < 10; ++i) failures += call(GetParam() + i) < 0 ? 1 : 0;
  }
  EXPECT_LE(failures, 50);
}

INSTANTIATE_TEST_SUITE_P(Suite, Service, ::testing::Range(0, 200));

}  // namespace
