// A user's test program whose faults must belong to the test that owns them: threads a test
// leaves running, a process-wide pool, a suite's set-up, and death tests re-executed as
// children. Run in declared order by the end-to-end tests, which also check its notes.
#include <faultline/gtest.hpp>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <queue>
#include <thread>

namespace {

int Work(int x) { return x + 1; }

// True when `target` threw an injected fault on this call.
bool Faulted(const char* target) {
  try {
    faultline::Current().Wrap(target, &Work)(0);
    return false;
  } catch (const faultline::InjectedFault&) {
    return true;
  }
}

// A thread the first test starts and never joins: it calls its target only once released.
std::promise<void> g_release;
std::future<bool> g_leftover_faulted;
std::thread g_leftover;

TEST(Threads, LeavesAThreadRunning) {
  std::packaged_task<bool()> task([] {
    g_release.get_future().wait();
    return Faulted("ownership.leftover");
  });
  g_leftover_faulted = task.get_future();
  g_leftover = std::thread(std::move(task));
}

// Its rule is not applied to the thread the previous test left running.
FAULTLINE_TEST(ThreadRules, SkipThreadsOfFinishedTests,
               faultline::Exception("leftover").Target("ownership.leftover")) {
  g_release.set_value();
  EXPECT_FALSE(g_leftover_faulted.get());
  g_leftover.join();
  EXPECT_FAULT_NOT_TRIGGERED("leftover");
  EXPECT_TRUE(Events().empty());
}

// A thread the test itself starts is the test's: faulted, and its event names the test.
FAULTLINE_TEST(ThreadRules, FaultTheTestsOwnThreads,
               faultline::Exception("own").Target("ownership.own")) {
  bool faulted = false;
  std::thread([&] { faulted = Faulted("ownership.own"); }).join();
  EXPECT_TRUE(faulted);
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].test, "ThreadRules.FaultTheTestsOwnThreads");
}

// A pool started lazily by the first test that uses it, shared by every test after.
class Pool {
 public:
  static Pool& Instance() {
    static Pool* pool = [] {
      faultline::SharedThreads shared;
      return new Pool();
    }();
    return *pool;
  }
  bool Run(std::function<bool()> job) {
    std::packaged_task<bool()> task(std::move(job));
    std::future<bool> result = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push(std::move(task));
    }
    ready_.notify_one();
    return result.get();
  }

 private:
  Pool() : worker_([this] { Serve(); }) { worker_.detach(); }
  void Serve() {
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return !jobs_.empty(); });
      std::packaged_task<bool()> job = std::move(jobs_.front());
      jobs_.pop();
      lock.unlock();
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::queue<std::packaged_task<bool()>> jobs_;
  std::thread worker_;
};

TEST(Pools, StartASharedPool) { EXPECT_FALSE(Pool::Instance().Run([] { return false; })); }

FAULTLINE_TEST(PoolRules, FaultTheSharedPool,
               faultline::Exception("pooled").Target("ownership.pool")) {
  EXPECT_TRUE(Pool::Instance().Run([] { return Faulted("ownership.pool"); }));
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].test, "PoolRules.FaultTheSharedPool");
}

// A rule a suite's set-up installs itself fires there, outside any test: a note says so.
class SuiteSetUp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto scope = faultline::Current().Scope(
        {faultline::Exception("setup").Target("ownership.setup")});
    set_up_faulted_ = Faulted("ownership.setup");
  }
  static bool set_up_faulted_;
};
bool SuiteSetUp::set_up_faulted_ = false;

TEST_F(SuiteSetUp, RanWithItsOwnRule) { EXPECT_TRUE(set_up_faulted_); }

// Aborts at an injected fault, printing the ordinal of the first fault of the test; returns
// (fails to die) when no fault comes in 1000 calls.
void AbortAtFault(const char* target) {
  for (int call = 0; call < 1000; ++call) {
    if (Faulted(target)) {
      std::fprintf(stderr, "first fault on call %llu\n",
                   static_cast<unsigned long long>(faultline::Current().Events().at(0).call));
      std::abort();
    }
  }
}

// The death test's child, re-executed under --gtest_death_test_style=threadsafe, runs with
// the annotated rule.
FAULTLINE_TEST(Death, ChildHasTheAnnotatedRule,
               faultline::Exception("boom").Target("ownership.death")) {
  EXPECT_DEATH(AbortAtFault("ownership.death"), "first fault on call 1\n");
}

// ... and with the flag rules and the seed: the child's first fault is on the call the
// parent's is (the end-to-end test gives "coin=ownership.coin:30%exception").
TEST(DeathFlags, ChildHasTheFlagRulesAndSeed) {
  unsigned long long first = 0;
  for (unsigned long long call = 1; call <= 1000 && first == 0; ++call) {
    if (Faulted("ownership.coin")) first = call;
  }
  ASSERT_NE(first, 0u) << "run with --faultline_rules=coin=ownership.coin:30%exception";
  EXPECT_DEATH(AbortAtFault("ownership.coin"), "first fault on call " + std::to_string(first) + "\n");
}

}  // namespace
