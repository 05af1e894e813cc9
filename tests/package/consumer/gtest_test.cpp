#include <faultline/gtest.hpp>

#include <future>

FAULTLINE_TEST(Consumer, GetsItsRules, faultline::Expected(faultline::Return("r", 7).Target("f"))) {
  auto f = Injector().Wrap("f", [] { return 1; });
  EXPECT_EQ(f(), 7);
}

// A rule the library made (parsed from text) whose value the program's own code reads: with
// shared libraries too, both sides agree on the type of the value.
FAULTLINE_TEST(Consumer, GetsTheValuesOfTextRules) {
  Injector().AddRule(faultline::ParseRules("t=g:return(9)").at(0));
  auto g = Injector().Wrap("g", [] { return 1; });
  EXPECT_EQ(g(), 9);
}

// A thread a test leaves running keeps belonging to it: a later test's rule does not fire there.
// The adapters see thread starts through their own pthread_create, which must come before
// libc's however faultline is linked (a shared build too).
std::promise<void> g_go;
std::future<int> g_leftover;

// Under ThreadSanitizer a shared harness's pthread_create comes after the sanitizer's, which
// must start the thread itself: threads then start unowned (faultline says so once), and the
// ended test's thread gets the next test's fault.
#if defined(FAULTLINE_SHARED) && defined(__SANITIZE_THREAD__)
constexpr int kLeftoverResult = 7;
#else
constexpr int kLeftoverResult = 1;
#endif

FAULTLINE_TEST(ConsumerThreads, LeavesAThreadRunning) {
  g_leftover = std::async(std::launch::async, [go = g_go.get_future()]() mutable {
    go.wait();
    return faultline::Current().Wrap("leftover", [] { return 1; })();
  });
}

FAULTLINE_TEST(ConsumerThreads, DoesNotFaultTheThreadOfAnEndedTest,
               faultline::Return("late", 7).Target("leftover")) {
  g_go.set_value();
  EXPECT_EQ(g_leftover.get(), kLeftoverResult);
}
