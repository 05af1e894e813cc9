// Many threads call wrapped functions and fault points while another changes the rules.
// Run under the tsan preset for data races; here the accounting must be exact.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "epoch.hpp"
#include "faultline/faultline.hpp"

namespace {

TEST(ConcurrencyTest, CountsStayExactWhileRulesChange) {
  faultline::FaultInjector injector(8);
  faultline::CurrentInjector use(injector);
  // An always-present rule that never fires keeps every call counted.
  injector.AddRule(faultline::Exception("anchor").Target("*").Probability(0));
  constexpr int kThreads = 4;
  constexpr int kCalls = 20000;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> thrown{0};

  std::thread mutator([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string name = "churn" + std::to_string(i % 4);
      injector.AddRule(faultline::Exception(name).Target(i % 2 ? "w*" : "point").Probability(0.1));
      auto scope = injector.Scope({faultline::Delay("d" + std::to_string(i), std::chrono::nanoseconds(0))
                                       .Target("w1")
                                       .Probability(0.5)});
      injector.RemoveRule(name);
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      auto wrapped = injector.Wrap("w" + std::to_string(t), [](int x) { return x; });
      for (int i = 0; i < kCalls; ++i) {
        try {
          wrapped(i);
        } catch (const faultline::InjectedFault&) {
          thrown.fetch_add(1);
        }
        try {
          if (FAULTLINE_POINT("point")) ADD_FAILURE() << "no kReturn rule exists";
        } catch (const faultline::InjectedFault&) {
          thrown.fetch_add(1);
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  stop = true;
  mutator.join();

  const auto stats = injector.Stats();
  EXPECT_EQ(stats.total_calls, std::uint64_t{kThreads} * kCalls * 2);
  EXPECT_EQ(stats.calls_per_target.at("point"), std::uint64_t{kThreads} * kCalls);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(stats.calls_per_target.at("w" + std::to_string(t)), std::uint64_t{kCalls});
  }
  std::uint64_t exception_faults = 0;
  for (const auto& rule : stats.rules) {
    if (rule.type == faultline::FaultType::kException) exception_faults += rule.triggers;
  }
  EXPECT_EQ(exception_faults, thrown.load());
  EXPECT_EQ(stats.total_faults, stats.events.size() + stats.dropped_events);
}

TEST(ConcurrencyTest, EventSequenceNumbersAreUniqueAndDense) {
  faultline::FaultInjector injector(1);
  injector.AddRule(faultline::Return("r", 1).Target("*").Probability(0.5));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto& site = injector.Intern("t" + std::to_string(t));
      for (int i = 0; i < 2000; ++i) injector.Check(site);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto events = injector.Events();
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].sequence, i + 1);
}

TEST(ConcurrencyTest, PerTargetDecisionsDoNotDependOnThreadInterleaving) {
  auto fired_on = [](int threads) {
    faultline::FaultInjector injector(21);
    injector.AddRule(faultline::Return("r", 1).Target("*").Probability(0.3));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        auto& site = injector.Intern("t" + std::to_string(t));
        for (int i = 0; i < 1000; ++i) injector.Check(site);
      });
    }
    for (auto& thread : pool) thread.join();
    std::vector<std::uint64_t> calls;
    for (const auto& e : injector.Events()) {
      if (e.target == "t0") calls.push_back(e.call);
    }
    std::sort(calls.begin(), calls.end());
    return calls;
  };
  EXPECT_EQ(fired_on(1), fired_on(4));
}

}  // namespace

namespace {

// Eight threads hammer wrapped calls and fault points while another thread adds, removes,
// enables, disables and resets; then, with the mutator stopped and the workers parked, one
// more exactly counted phase must be accounted for call by call.
// Rule lists and rules are freed while 8 threads check the site they belong to: under the
// asan and tsan presets, a reader that reached freed memory fails this test.
TEST(ConcurrencyTest, RulesAreFreedWhileEightThreadsCheckTheirSite) {
  faultline::FaultInjector injector(4);
  constexpr int kReaders = 8;
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      auto& hot = injector.Intern("hot");
      auto& cold = injector.Intern("cold." + std::to_string(t % 3));
      while (!stop.load(std::memory_order_relaxed)) {
        for (auto* site : {&hot, &cold}) {
          try {
            if (const faultline::Decision decision = injector.Check(*site)) {
              EXPECT_EQ(decision.type(), faultline::FaultType::kReturn);
              EXPECT_FALSE(decision.rule->name().empty());
            }
          } catch (const faultline::InjectedFault&) {
          }
        }
      }
    });
  }
  for (int round = 0; round < 3000; ++round) {
    const std::string n = std::to_string(round);
    injector.AddRule(faultline::Return("first" + n, 1).Target("hot").Probability(0.01));
    injector.AddRule(faultline::Exception("glob" + n).Target("*").Probability(0.01));
    injector.AddRule(faultline::Return("last" + n, 2).Target("hot").Probability(0));
    injector.AddRule(faultline::Exception("cold" + n).Target("cold.?").Probability(0.01));
    switch (round % 4) {
      case 0:
        injector.RemoveRule("glob" + n);  // a middle rule
        break;
      case 1:
        injector.RemoveRule("first" + n);  // the first one of "hot"
        break;
      case 2:
        injector.RemoveRule("last" + n);  // the last one of "hot"
        break;
      default:
        injector.Reset();
    }
    if (round % 64 == 63) injector.Reset();
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  injector.Reset();
  injector.AddRule(faultline::Exception("settle"));  // a retirement with no reader left
  injector.AddRule(faultline::Exception("settle2"));
  EXPECT_LT(faultline::internal::RetiredCount(), 1000u);
}

TEST(ConcurrencyTest, StressWithResetsThenExactAccounting) {
  faultline::FaultInjector injector(3);
  faultline::CurrentInjector use(injector);
  constexpr int kWorkers = 8;
  constexpr int kExactCalls = 5000;
  std::atomic<bool> stop_churn{false};
  std::atomic<int> parked{0};
  std::atomic<bool> exact_phase{false};
  std::atomic<std::uint64_t> exact_faults{0};

  std::thread mutator([&] {
    for (int i = 0; !stop_churn.load(); ++i) {
      switch (i % 6) {
        case 0:
          injector.AddRule(faultline::Exception("e" + std::to_string(i)).Target("w*").Probability(0.3));
          break;
        case 1:
          injector.AddRule(faultline::Return("r" + std::to_string(i), 1).Target("stress.point"));
          break;
        case 2:
          injector.Disable();
          break;
        case 3:
          injector.Enable();
          break;
        case 4:
          injector.RemoveRule("e" + std::to_string(i - 4));
          break;
        default:
          injector.Reset();
      }
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kWorkers; ++t) {
    workers.emplace_back([&, t] {
      auto wrapped = injector.Wrap("w" + std::to_string(t), [](int x) { return x * 2; });
      auto call_both = [&] {
        std::uint64_t faults = 0;
        try {
          if (wrapped(t) != t * 2) ++faults;  // a kReturn rule answered instead
        } catch (const faultline::InjectedFault&) {
          ++faults;
        }
        try {
          if (FAULTLINE_POINT("stress.point")) ++faults;
        } catch (const faultline::InjectedFault&) {
          ++faults;
        }
        return faults;
      };
      for (int i = 0; i < 20000; ++i) call_both();
      parked.fetch_add(1);
      while (!exact_phase.load()) std::this_thread::yield();
      std::uint64_t faults = 0;
      for (int i = 0; i < kExactCalls; ++i) faults += call_both();
      exact_faults.fetch_add(faults);
    });
  }
  while (parked.load() < kWorkers) std::this_thread::yield();
  stop_churn = true;
  mutator.join();

  injector.Enable();
  injector.Reset();
  injector.AddRule(faultline::Exception("exact").Target("*").Probability(0.25));
  exact_phase = true;
  for (auto& worker : workers) worker.join();

  const auto stats = injector.Stats();
  EXPECT_EQ(stats.total_calls, std::uint64_t{kWorkers} * kExactCalls * 2);
  EXPECT_EQ(stats.calls_per_target.at("stress.point"), std::uint64_t{kWorkers} * kExactCalls);
  EXPECT_EQ(stats.total_faults, exact_faults.load());
  EXPECT_EQ(stats.events.size() + stats.dropped_events, stats.total_faults);
  ASSERT_EQ(stats.rules.size(), 1u);
  EXPECT_EQ(stats.rules[0].checks, stats.total_calls);
}

}  // namespace
