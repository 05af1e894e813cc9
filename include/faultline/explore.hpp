// faultline: systematic fault exploration. Random faults find bugs; sweeping every call proves
// their absence, and shrinking a failing run tells the developer which faults broke it.
//
//   // Fail call 1 of "Storage::Put", then call 2, ... until a run never reaches the fault:
//   faultline::SweepResult swept = faultline::Sweep(
//       faultline::SweepOptions().Fault(faultline::Exception("put-fails").Target("Storage::Put")),
//       [] { UploadAndCheck(); });  // throws when the upload lost data
//
//   // Outages: every call from call k on fails (for k = 1, 2, ...), or calls k to k+2 fail and
//   // then the service recovers:
//   faultline::Sweep(faultline::SweepOptions().Fault(gateway_down).Persistent(), body);
//   faultline::Sweep(faultline::SweepOptions().Fault(gateway_down).Outage(3), body);
//
//   // 200 runs under the installed rules, each with its own seed; the first failing run is
//   // shrunk to a minimal schedule of faults that still fails:
//   faultline::ExploreResult explored = faultline::Explore(faultline::ExploreOptions().Runs(200),
//                                                          [] { UploadAndCheck(); });
//   if (explored.failed) std::cout << explored.Report();  // seed, minimal schedule, replay flag
//
//   // A campaign: as many runs as 30 minutes allow, split over 4 processes by run index (this
//   // one makes runs 1, 5, 9, ...; together the 4 make the runs one process would):
//   faultline::Explore(faultline::ExploreOptions()
//                          .Runs(faultline::ExploreOptions::kNoRunLimit)
//                          .For(std::chrono::minutes(30))
//                          .Shard(1, 4),
//                      body);
//
// A run fails when an exception escapes the body, or when the options' Runner reports a
// failure (the GoogleTest and Catch2 adapters count assertion failures that way). Each run
// starts from a reset injector (FaultInjector::Reset) holding the rules of the run. When the
// exploration ends the injector holds its rules and seed again, not replaying, and keeps the
// last run's counters and events (after a failed Explore: the minimal failing run): the rules
// the last run added are removed and the ones they replaced added again, never by a Reset.
// Rules are re-added, so the RuleScope of a rule installed before no longer removes it. Not for
// concurrent use of one injector.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "faultline/export.hpp"
#include "faultline/fault.hpp"
#include "faultline/injector.hpp"
#include "faultline/schedule.hpp"

namespace faultline {

// Runs a body once and returns its failure (empty when it passed). The default catches an
// exception escaping the body; adapters substitute one that also collects assertion failures.
using Runner = std::function<std::optional<std::string>(const std::function<void()>& body)>;

// Runs `body`, returning the what() of an exception escaping it (or a note for a non-standard
// exception), or nothing when it returned normally. The default Runner.
FAULTLINE_API std::optional<std::string> RunCatchingExceptions(const std::function<void()>& body);

// One failing run: the faults it injected, its seed and why it failed.
struct RunFailure {
  // The faults the run injected; for a run of an outage sweep that injected any, the outage as
  // scheduled (`gw=Gateway::Charge@3-5`, `gw=Gateway::Charge@3-`).
  Schedule schedule;
  std::uint64_t seed = 0;  // the injector's seed during the run
  std::string message;     // the body's failure
  // The run's fault events, in order (the injector keeps only its last run's).
  std::vector<FaultEvent> events;
};

// How to sweep. Chainable: SweepOptions().Fault(...).MaxRuns(500).
struct SweepOptions {
  // The faults to place, one call at a time, each on the targets its own Target() matches
  // (an exact name, or a glob: every matching target the fault-free run reached is swept).
  // Empty: the injector's installed rules.
  std::vector<FaultConfig> faults;
  // Faults placed per run: 1 sweeps every call of every target; 2 sweeps every pair of calls
  // (of one target or two), which is quadratic, so bound it with max_runs.
  int faults_per_run = 1;
  // Calls each placed fault lasts, from the swept call k on: 1 fails call k alone; n > 1 fails
  // calls k to k+n-1, an outage that recovers; kPersistent fails call k and every later call.
  // Outages (anything but 1) need faults_per_run 1.
  std::uint64_t outage_calls = 1;
  // outage_calls for an outage that never recovers.
  static constexpr std::uint64_t kPersistent = ScheduledFault::kEveryLaterCall;
  // Runs at most, the fault-free first run included.
  std::uint64_t max_runs = 1000;
  // Stop at the first failing run (the default), or sweep on and collect every failure.
  bool stop_at_first_failure = true;
  // The injector to drive; null means faultline::Current().
  FaultInjector* injector = nullptr;
  // How to run the body; null means RunCatchingExceptions.
  Runner runner;
  // When set, the sweep makes one run under this schedule (e.g. from --faultline_schedule)
  // instead of sweeping, to reproduce a failure it reported.
  std::optional<Schedule> replay;

  SweepOptions& Fault(FaultConfig fault) {
    faults.push_back(std::move(fault));
    return *this;
  }
  SweepOptions& Pairs() {
    faults_per_run = 2;
    return *this;
  }
  SweepOptions& MaxRuns(std::uint64_t n) {
    max_runs = n;
    return *this;
  }
  SweepOptions& KeepGoing() {
    stop_at_first_failure = false;
    return *this;
  }
  // Each run fails `calls` consecutive calls from the swept call k on (k to k+calls-1), then
  // lets the target recover. Throws std::invalid_argument when `calls` is 0.
  FAULTLINE_API SweepOptions& Outage(std::uint64_t calls);
  // Each run fails the swept call k and every later call of its target: an outage that never
  // recovers.
  SweepOptions& Persistent() {
    outage_calls = kPersistent;
    return *this;
  }
};

// What a sweep did.
struct FAULTLINE_API SweepResult {
  // Runs of the body, the fault-free first run included.
  std::uint64_t runs = 0;
  // Every call (or pair of calls) was faulted until the targets' calls ran out; false when
  // max_runs or the first failure stopped the sweep.
  bool complete = false;
  // Each swept target with its calls in the fault-free run, by target name.
  std::vector<std::pair<std::string, std::uint64_t>> targets;
  // The failing runs, in the order found (at most one with stop_at_first_failure).
  std::vector<RunFailure> failures;
  // Set when the one run was a replay of SweepOptions::replay (nothing was swept): the faults
  // that run injected.
  std::optional<Schedule> replayed;
  // Calls each placed fault lasted (SweepOptions::outage_calls): 1, a number, or kPersistent.
  std::uint64_t outage_calls = 1;

  bool passed() const { return failures.empty(); }
  // The labelled report: runs, targets, the outage swept ("outages of 3 calls", "persistent
  // outages"), each failing schedule described ("calls 3-5", "from call 3 on"), the first
  // failure's message and replay setting, `schedule_flag`=<schedule> (an adapter's spelling: "--faultline-schedule" under
  // Catch2, "FAULTLINE_SCHEDULE" for the environment).
  std::string Report(const std::string& schedule_flag = "--faultline_schedule") const;
};

// Runs `body` with no fault, then with a fault on call 1 of each target, then call 2, and so on
// until a run completes without reaching the scheduled call; with faults_per_run 2, every pair;
// with an outage (outage_calls), the fault on call k lasts that many calls, or for good. Only
// the swept faults are installed during the sweep. Throws std::invalid_argument when there is
// nothing to sweep, faults_per_run is not 1 or 2, outage_calls is 0, or an outage is asked for
// with faults_per_run 2.
FAULTLINE_API SweepResult Sweep(const SweepOptions& options, const std::function<void()>& body);
// Sweeps one fault, e.g. Sweep(Exception("put-fails").Target("Storage::Put"), body).
FAULTLINE_API SweepResult Sweep(FaultConfig fault, const std::function<void()>& body);

// How to explore. Chainable: ExploreOptions().Runs(500).
struct ExploreOptions {
  // Runs under the installed rules, run i with seed mix(injector seed, i) (run 0: the seed).
  std::uint64_t runs = 100;
  // `runs` for a campaign that only its time budget (For) ends.
  static constexpr std::uint64_t kNoRunLimit = UINT64_MAX;
  // When set, no run starts once this much time has passed since the exploration began: the
  // budget is checked between runs, so a run is never cut and the first always runs. With
  // `runs` too, whichever ends first. Bounds exploring only: shrinking a failure found near the
  // end of the budget keeps its own bound, max_shrink_runs, so the failure is still reported
  // minimal. Wall time (a steady clock), not the injector's Clock.
  std::optional<std::chrono::nanoseconds> time_budget;
  // This process makes only the runs i with i % shard_count == shard_index, each with the seed
  // it has unsharded, so shard_count processes (shard_index 0 to shard_count - 1) together make
  // exactly the runs and seeds of one, and the earliest failure among them is the one a single
  // process finds. 0 of 1: every run.
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  // Replays at most while shrinking a failure, the confirming one included (plus one last
  // replay of the minimal schedule); bounds the work on a body that fails nondeterministically.
  std::uint64_t max_shrink_runs = 500;
  // The injector to drive; null means faultline::Current().
  FaultInjector* injector = nullptr;
  // How to run the body; null means RunCatchingExceptions.
  Runner runner;
  // When set, one run under this schedule (e.g. from --faultline_schedule) instead of exploring.
  std::optional<Schedule> replay;

  ExploreOptions& Runs(std::uint64_t n) {
    runs = n;
    return *this;
  }
  ExploreOptions& MaxShrinkRuns(std::uint64_t n) {
    max_shrink_runs = n;
    return *this;
  }
  // Sets time_budget. Throws std::invalid_argument when `budget` is not positive.
  FAULTLINE_API ExploreOptions& For(std::chrono::nanoseconds budget);
  // Makes this process shard `index` of `count` (0-based). Throws std::invalid_argument unless
  // index < count.
  FAULTLINE_API ExploreOptions& Shard(std::uint64_t index, std::uint64_t count);
};

// What an exploration found.
struct FAULTLINE_API ExploreResult {
  // Exploring runs made (up to and including the first failing one), by this process: under
  // a shard, its own runs.
  std::uint64_t runs = 0;
  // ExploreOptions::time_budget stopped the exploration before its runs were done.
  bool time_budget_spent = false;
  // The shard that explored (ExploreOptions::shard_index of shard_count; 0 of 1 unsharded).
  std::uint64_t shard_index = 0;
  std::uint64_t shard_count = 1;
  // The index of the failing run in the whole campaign (0-based: its seed is
  // mix(injector seed, failing_run)), the same whichever shard found it.
  std::uint64_t failing_run = 0;
  // Replays made to confirm and shrink the failure.
  std::uint64_t shrink_runs = 0;
  // A run failed.
  bool failed = false;
  // Replaying the failing run's schedule did not fail: the body fails nondeterministically
  // (or on something the schedule does not capture, such as dropped events), so `minimal` is
  // the unshrunk original.
  bool flaky = false;
  // The failing run as found: its seed, every fault it injected and its failure.
  RunFailure original;
  // The smallest schedule found that still fails: no fault can be removed or moved to an
  // earlier call without the body passing (within max_shrink_runs).
  Schedule minimal;
  // The failure of the body under `minimal` (the original's when flaky).
  std::string message;
  // The fault events of the run under `minimal` (the original's when flaky).
  std::vector<FaultEvent> minimal_events;
  // The shrinking stopped at max_shrink_runs before it was done.
  bool shrink_exhausted = false;
  // The one run was a replay of ExploreOptions::replay: nothing was explored or shrunk.
  bool replayed = false;

  // "--faultline_schedule=<minimal>": the flag that replays the minimal failure, spelled
  // `schedule_flag`=<minimal> for another adapter or the environment.
  std::string ReplayFlag(const std::string& schedule_flag = "--faultline_schedule") const;
  // The labelled report: seed, original and minimal schedules, failure, and the replay setting
  // ReplayFlag(schedule_flag); under a shard, "shard i/n" and the failing run's index in the
  // campaign; after a time budget ended a passing exploration, that it did. The replay setting
  // needs no shard: it replays the failure in one process.
  std::string Report(const std::string& schedule_flag = "--faultline_schedule") const;
};

// Runs `body` options.runs times (or until options.time_budget is spent; under a shard, its
// share of the runs) under the injector's installed rules with derived seeds; on the first
// failure, replays its schedule (a run that now passes is reported flaky), then shrinks it by
// delta debugging: removes faults, then moves the rest to earlier calls, while the replay still
// fails. Throws std::invalid_argument for a shard_index not below shard_count or a time_budget
// that is not positive.
FAULTLINE_API ExploreResult Explore(const ExploreOptions& options,
                                    const std::function<void()>& body);

}  // namespace faultline
