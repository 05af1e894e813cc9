// End to end: sync points in a user's test program. A planted race hides in plain runs and
// fails every run under an ordering rule given on the command line; pauses are released by the
// test or by its end; a wait that times out fails its test with a message and holds nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "child_process.hpp"

namespace {

using faultline::testing::ChildRun;
using faultline::testing::Shell;
using ::testing::HasSubstr;
using ::testing::Not;

ChildRun Sync(const std::string& args) { return Shell(std::string(SYNC_TEST) + " " + args); }

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// The reader waits until the writer is between its two steps, and the writer's second step
// waits until the reader is done: RocksDB's LoadDependency({{"cache.put.between",
// "cache.get.begin"}, {"cache.get.end", "cache.put.between"}}).
constexpr char kOrdering[] =
    "'--faultline_rules=reader=cache.get.begin:wait(cache.put.between);"
    "writer=cache.put.between:wait(cache.get.end)'";

TEST(SyncEndToEnd, APlantedRaceHidesWithoutSyncPoints) {
  const ChildRun run = Sync("--gtest_filter=CacheRace.* --gtest_repeat=20");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(Count(run.output, "[       OK ] CacheRace.AReaderNeverSeesATornEntry"), 20u)
      << run.output;
}

TEST(SyncEndToEnd, AnOrderingRuleMakesThePlantedRaceFailEveryRun) {
  const ChildRun run =
      Sync(std::string("--gtest_filter=CacheRace.* --gtest_repeat=20 ") + kOrdering);
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_EQ(Count(run.output, "[  FAILED  ] CacheRace.AReaderNeverSeesATornEntry ("), 20u)
      << run.output;
  EXPECT_EQ(Count(run.output, "the reader saw a torn entry"), 20u) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("waited")));  // no hold timed out
}

TEST(SyncEndToEnd, APauseIsReleasedByTheTest) {
  const ChildRun run = Sync("--gtest_filter=Sync.PauseAndRelease --gtest_repeat=5");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(Count(run.output, "[       OK ] Sync.PauseAndRelease"), 5u) << run.output;
}

TEST(SyncEndToEnd, AWaitThatTimesOutFailsItsTestNamingBothPoints) {
  const ChildRun run = Sync("--gtest_filter=SyncFails.*");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[  FAILED  ] SyncFails.AWaitForAPointNeverReached ("));
  EXPECT_THAT(run.output,
              HasSubstr("rule \"w\" on target \"job.step\": a thread waited 50ms for a thread to "
                        "reach \"job.never\", which none did; it went on"));
}

TEST(SyncEndToEnd, TheEndOfATestReleasesTheThreadsItLeftParked) {
  const ChildRun run = Sync("--gtest_filter=SyncEnd*");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("[  PASSED  ] 2 tests."));
  EXPECT_THAT(run.output, Not(HasSubstr("not released")));
}

}  // namespace
