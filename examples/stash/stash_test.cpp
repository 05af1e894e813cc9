// The strong exception guarantee of Stash, checked by failing each allocation of an operation
// in turn: the sweep standard-library implementers run.
#include "stash.hpp"

#include <string>
#include <vector>

#include <faultline/gtest.hpp>
#include <faultline/posix.hpp>

namespace {

using Strings = std::vector<std::string>;

Strings Contents(const stash::Stash<std::string>& stash) {
  return Strings(stash.begin(), stash.end());
}

// Strings long enough to allocate: their copies fail too.
const Strings kBefore = {std::string(40, 'a'), std::string(40, 'b'), std::string(40, 'c')};
const Strings kAfter = {std::string(40, 'x'), std::string(40, 'y'), std::string(40, 'z'),
                        std::string(40, 'w')};

class StashTest : public faultline::FaultTest {
 protected:
  void Fill() {
    stash_.Clear();
    for (const std::string& value : kBefore) stash_.Append(value);
  }

  stash::Stash<std::string> stash_;
};

TEST_F(StashTest, AppendLeavesTheStashUnchangedWhenAnAllocationFails) {
  const faultline::SweepResult swept = SweepAllocations(
      [&] {
        Fill();
        stash_.Append(std::string(40, 'd'));
      },
      [&](bool threw) {
        if (threw) return;  // Fill itself may fail: the sweep also covers its allocations
        Strings expected = kBefore;
        expected.push_back(std::string(40, 'd'));
        EXPECT_EQ(Contents(stash_), expected);
      });
  EXPECT_TRUE(swept.complete);
  EXPECT_GE(swept.runs, 8u);
}

TEST_F(StashTest, AssignIsAllOrNothing) {
  Fill();
  const faultline::SweepResult swept = SweepAllocations(
      [&] { stash_.Assign(kAfter); },
      [&](bool threw) {
        EXPECT_EQ(Contents(stash_), threw ? kBefore : kAfter);
        Fill();  // the next run starts from the same contents
      });
  EXPECT_TRUE(swept.complete);
  // The fault-free run, then the buffer and the 4 copies, then the check's allocations, which
  // are counted but outside the scope the fault is limited to.
  EXPECT_GE(swept.runs, 6u);
}

// The bug planted here: an assignment that clears first and appends after gives only the basic
// guarantee. The sweep finds the allocation whose failure shows it.
TEST(StashPlantedBug, ClearThenAppendLosesTheOldContentsWhenAnAllocationFails) {
  stash::Stash<std::string> stash;
  for (const std::string& value : kBefore) stash.Append(value);
  const faultline::SweepResult swept = faultline::posix::SweepAllocations(
      [&] {
        stash.Clear();
        for (const std::string& value : kAfter) stash.Append(value);
      },
      [&](bool threw) {
        const Strings expected = threw ? kBefore : kAfter;
        const Strings contents = Contents(stash);
        stash.Clear();
        for (const std::string& value : kBefore) stash.Append(value);
        if (contents != expected) throw std::runtime_error("the stash lost its contents");
      });
  ASSERT_EQ(swept.failures.size(), 1u) << swept.Report();
  EXPECT_EQ(swept.failures[0].schedule.ToString(), "allocation-fails=alloc.new@1");
  EXPECT_EQ(swept.failures[0].message, "the stash lost its contents");
}

TEST(StashSweepWithoutTheInterposer, ReportsThatNoAllocationWasReached) {
  // Sweeping an injector whose calls no interposer reports is what an executable without
  // faultline::posix sees.
  faultline::FaultInjector injector;
  faultline::SweepOptions options;
  options.injector = &injector;
  EXPECT_THROW(faultline::posix::SweepAllocations([] {}, [](bool) {}, options),
               std::logic_error);
}

}  // namespace
