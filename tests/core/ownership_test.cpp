// Which test owns a fault, at the engine's level: events carry the running test's name, a
// thread started by an ended test is not faulted, and notes are counted, not repeated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "faultline/injector.hpp"
#include "faultline/internal/ownership.hpp"

namespace {

using faultline::internal::AdoptOwner;
using faultline::internal::BeginTestOwnership;
using faultline::internal::EndTestOwnership;
using faultline::internal::OwnerForNewThread;
using faultline::internal::ReportNote;
using faultline::internal::TakeNotes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

int Work(int x) { return x + 1; }

// Leaves no running test and no owner on this thread behind.
class Ownership : public ::testing::Test {
 protected:
  void SetUp() override { TakeNotes(); }
  void TearDown() override {
    AdoptOwner({});
    EndTestOwnership();
    TakeNotes();
  }
};

TEST_F(Ownership, AnEventNamesTheTestRunningWhenItFired) {
  faultline::FaultInjector injector(1);
  injector.AddRule(faultline::Return("r", -1).Target("owned"));
  auto work = injector.Wrap("owned", &Work);
  work(0);
  BeginTestOwnership("Suite.First");
  work(0);
  EndTestOwnership();
  const auto events = injector.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].test, "");
  EXPECT_EQ(events[1].test, "Suite.First");
}

TEST_F(Ownership, AThreadOfAnEndedTestIsNotFaultedAndANoteSaysSo) {
  BeginTestOwnership("Suite.Starter");
  const faultline::internal::ThreadOwner owner = OwnerForNewThread();
  EndTestOwnership();
  BeginTestOwnership("Suite.Later");
  AdoptOwner(owner);  // this thread now acts as one Suite.Starter started

  faultline::FaultInjector injector(1);
  injector.AddRule(faultline::Return("r", -1).Target("leftover").MaxTriggers(1));
  auto work = injector.Wrap("leftover", &Work);
  EXPECT_EQ(work(0), 1);
  EXPECT_EQ(work(0), 1);
  EXPECT_TRUE(injector.Events().empty());
  EXPECT_THAT(TakeNotes(), ElementsAre(HasSubstr(
      "rule \"r\" was not injected on \"leftover\" in a thread started by test Suite.Starter, "
      "which has ended")));

  // Back in the running test's own thread the rule's one trigger is still there.
  AdoptOwner({});
  EXPECT_EQ(work(0), -1);
  EXPECT_EQ(work(0), 1);
}

TEST_F(Ownership, AThreadStartedInsideSharedThreadsServesEveryTest) {
  BeginTestOwnership("Suite.Starter");
  {
    faultline::SharedThreads shared;
    EXPECT_EQ(OwnerForNewThread().test, 0u);
  }
  EXPECT_NE(OwnerForNewThread().test, 0u);
}

TEST_F(Ownership, IdenticalNotesAreCountedAndTheirNumberIsBounded) {
  ReportNote("a");
  ReportNote("b");
  ReportNote("a");
  EXPECT_THAT(TakeNotes(), ElementsAre("a (2 times)", "b"));
  EXPECT_TRUE(TakeNotes().empty());
  for (int i = 0; i < 1000; ++i) ReportNote(std::to_string(i));
  const auto notes = TakeNotes();
  ASSERT_EQ(notes.size(), 65u);
  EXPECT_EQ(notes.back(), "936 more note(s) not kept");
}

}  // namespace
