#include "faultline/explore.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>

#include "glob.hpp"
#include "text.hpp"

namespace faultline {
namespace {

// What one run of the body did.
struct Outcome {
  std::optional<std::string> failure;
  Schedule schedule;  // the faults the run injected
  std::vector<FaultEvent> events;
  std::map<std::string, std::uint64_t> calls_per_target;
};

// Drives the body run by run on one injector, and gives the injector back with its rules and
// seed when the exploration ends. The last run's counters and events stay, so that a test's
// report and its checks of reached rules see a real run.
class Harness {
 public:
  Harness(FaultInjector* injector, const Runner& runner)
      : injector_(injector != nullptr ? *injector : Current()),
        runner_(runner ? runner : Runner(&RunCatchingExceptions)),
        rules_(injector_.Rules()),
        seed_(injector_.seed()) {}
  ~Harness() {
    injector_.StopReplay();
    // The rules the last run added make way for the ones the first run replaced; nothing is
    // Reset, whatever the rules compare as.
    if (!ran_own_rules_) {
      for (const RuleId id : added_) injector_.RemoveRule(id);
      for (const FaultConfig& rule : rules_) {
        // A destructor cannot throw: a rule that no longer fits (a target wrapped since with
        // another result type) fails the test instead.
        try {
          injector_.AddRule(rule);
        } catch (const std::exception& error) {
          internal::ReportProblem(error.what());
        }
      }
    }
    injector_.SetSeed(seed_);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // One run from a reset injector holding `rules`, seeded with `seed`, replaying `replay` when
  // it is not null.
  Outcome Run(const std::vector<FaultConfig>& rules, std::uint64_t seed, const Schedule* replay,
              const std::function<void()>& body) {
    // The run's set-up, the runner and the collection of results are harness code: their
    // allocations are neither faulted nor counted, so ordinals count the body's calls alone.
    internal::HarnessScope harness;
    injector_.Reset();
    ran_own_rules_ = false;
    added_.clear();
    for (const FaultConfig& rule : rules) added_.push_back(injector_.AddRule(rule));
    ran_own_rules_ = &rules == &rules_;
    injector_.SetSeed(seed);
    if (replay != nullptr) injector_.Replay(*replay);
    Outcome outcome;
    outcome.failure = runner_([&body] {
      internal::UserCodeScope user;
      body();
    });
    const HarnessStats stats = injector_.Stats();
    outcome.schedule = Schedule::FromEvents(stats.events);
    outcome.events = stats.events;
    outcome.calls_per_target = stats.calls_per_target;
    return outcome;
  }

  const std::vector<FaultConfig>& rules() const { return rules_; }
  std::uint64_t seed() const { return seed_; }

 private:
  FaultInjector& injector_;
  Runner runner_;
  std::vector<FaultConfig> rules_;
  std::uint64_t seed_;
  bool ran_own_rules_ = true;   // the last run had rules_ (true before any run)
  std::vector<RuleId> added_;  // the rules the last run added
};

// True when the run made the call `fault` is scheduled on. Whether the fault fired does not
// tell: a rule's path, size or scope filter may let a call that was made pass unfaulted.
bool Reached(const Outcome& outcome, const ScheduledFault& fault) {
  const auto it = outcome.calls_per_target.find(fault.target);
  return it != outcome.calls_per_target.end() && it->second >= fault.call;
}

// `text` without trailing blank lines, its later lines indented under a "[faultline]" label.
std::string Indented(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "[faultline]   ";
  }
  return out;
}

// A (rule, target) pair the sweep places faults on.
struct Slot {
  std::string rule;
  std::string target;
  // The fault on call `call`, lasting `outage_calls` calls (SweepOptions::outage_calls).
  ScheduledFault At(std::uint64_t call, std::uint64_t outage_calls = 1) const {
    const std::uint64_t last = outage_calls == SweepOptions::kPersistent ||
                                       call - 1 > SweepOptions::kPersistent - outage_calls
                                   ? ScheduledFault::kEveryLaterCall
                                   : call + outage_calls - 1;
    return {rule, target, call, last};
  }
};

// "calls 3-5", "from call 3 on" or "call 3": the calls `fault` fires on.
std::string CallsText(const ScheduledFault& fault) {
  const std::string first = std::to_string(fault.call);
  if (fault.last_call() == fault.call) return "call " + first;
  if (fault.last_call() == ScheduledFault::kEveryLaterCall) return "from call " + first + " on";
  return "calls " + first + "-" + std::to_string(fault.last_call());
}

class Sweeper {
 public:
  Sweeper(const SweepOptions& options, const std::function<void()>& body, Harness& harness,
          std::vector<FaultConfig> faults, SweepResult& result)
      : options_(options), body_(body), harness_(harness), faults_(std::move(faults)),
        result_(result) {}

  // Makes one run under `schedule`; false when the sweep must stop (budget or first failure).
  bool Try(const Schedule& schedule, Outcome* outcome) {
    if (result_.runs >= options_.max_runs) return false;
    ++result_.runs;
    *outcome = harness_.Run(faults_, harness_.seed(), &schedule, body_);
    if (!outcome->failure) return true;
    // An outage is reported as scheduled, which says whether it recovers; the calls it hit
    // alone would not ("@3-" and "@3-9" inject the same faults into a run of 9 calls).
    const bool outage = options_.outage_calls != 1 && !outcome->schedule.empty();
    result_.failures.push_back(RunFailure{outage ? schedule : outcome->schedule, harness_.seed(),
                                          *outcome->failure, outcome->events});
    return !options_.stop_at_first_failure;
  }

  // Every call of every slot, each fault lasting options_.outage_calls calls; false when
  // stopped early.
  bool Singles(const std::vector<Slot>& slots) {
    for (const Slot& slot : slots) {
      for (std::uint64_t call = 1;; ++call) {
        Outcome outcome;
        const ScheduledFault fault = slot.At(call, options_.outage_calls);
        const bool go_on = Try(Schedule({fault}), &outcome);
        if (!go_on) return false;
        if (!Reached(outcome, fault)) break;
      }
    }
    return true;
  }

  // Every pair of calls of every pair of slots; false when stopped early. A call of the first
  // slot is past its end once no run of the pair reached it: a fault of the second slot can
  // add calls (a retry), so one run without it does not settle that.
  bool Pairs(const std::vector<Slot>& slots) {
    for (std::size_t a = 0; a < slots.size(); ++a) {
      for (std::size_t b = a; b < slots.size(); ++b) {
        const bool same_target = slots[a].target == slots[b].target;
        for (std::uint64_t i = 1;; ++i) {
          bool first_reached = false;
          for (std::uint64_t j = a == b ? i + 1 : 1;; ++j) {
            if (same_target && j == i) continue;
            Outcome outcome;
            const ScheduledFault first = slots[a].At(i);
            const ScheduledFault second = slots[b].At(j);
            const bool go_on = Try(Schedule({first, second}), &outcome);
            if (!go_on) return false;
            first_reached = first_reached || Reached(outcome, first);
            if (!Reached(outcome, second)) break;
          }
          if (!first_reached) break;
        }
      }
    }
    return true;
  }

 private:
  const SweepOptions& options_;
  const std::function<void()>& body_;
  Harness& harness_;
  std::vector<FaultConfig> faults_;
  SweepResult& result_;
};

// Delta debugging over the faults of a failing schedule, with a bounded number of replays.
class Shrinker {
 public:
  Shrinker(const ExploreOptions& options, const std::function<void()>& body, Harness& harness,
           ExploreResult& result)
      : options_(options), body_(body), harness_(harness), result_(result) {}

  // Replays `candidate`; true when the body failed, and then it is the new current schedule
  // (as executed: a scheduled call that never came is dropped).
  bool Fails(const Schedule& candidate) {
    if (result_.shrink_runs >= options_.max_shrink_runs) {
      result_.shrink_exhausted = true;
      return false;
    }
    ++result_.shrink_runs;
    const Outcome outcome = harness_.Run(harness_.rules(), harness_.seed(), &candidate, body_);
    last_failed_ = outcome.failure.has_value();
    if (!last_failed_) return false;
    current_ = outcome.schedule;
    result_.message = *outcome.failure;
    result_.minimal_events = outcome.events;
    return true;
  }

  void Shrink() {
    current_ = result_.original.schedule;
    if (!Fails(current_)) {
      result_.flaky = !result_.shrink_exhausted;
      result_.minimal = result_.original.schedule;
      result_.message = result_.original.message;
      result_.minimal_events = result_.original.events;
      return;
    }
    while (!result_.shrink_exhausted && (Remove() || Move())) {
    }
    result_.minimal = current_;
    // The injector is left with the last run's events: make that the minimal failure.
    if (!last_failed_) {
      ++result_.shrink_runs;
      harness_.Run(harness_.rules(), harness_.seed(), &current_, body_);
    }
  }

 private:
  // ddmin's complement step: drops chunks of faults, halving the chunk size when no chunk can
  // go. True when at least one fault went.
  bool Remove() {
    bool removed = false;
    std::size_t parts = 2;
    while (!current_.empty() && !result_.shrink_exhausted) {
      const std::vector<ScheduledFault> faults = current_.faults();
      const std::size_t chunk = (faults.size() + parts - 1) / parts;
      bool dropped = false;
      for (std::size_t begin = 0; begin < faults.size() && !dropped; begin += chunk) {
        std::vector<ScheduledFault> rest(faults.begin(), faults.begin() + begin);
        rest.insert(rest.end(), faults.begin() + std::min(begin + chunk, faults.size()),
                    faults.end());
        dropped = Fails(Schedule(rest));
      }
      if (dropped) {
        removed = true;
        parts = std::max<std::size_t>(parts - 1, 2);
      } else if (chunk == 1) {
        break;
      } else {
        parts = std::min(parts * 2, faults.size());
      }
    }
    return removed;
  }

  // Moves one fault (an outage whole) to an earlier call of its target. True when one moved.
  bool Move() {
    const std::vector<ScheduledFault> faults = current_.faults();
    for (std::size_t index = 0; index < faults.size(); ++index) {
      for (const std::uint64_t call : EarlierCalls(faults[index].call)) {
        std::vector<ScheduledFault> moved = faults;
        ScheduledFault& fault = moved[index];
        if (fault.last != 0 && fault.last != ScheduledFault::kEveryLaterCall) {
          fault.last -= fault.call - call;
        }
        fault.call = call;
        const bool taken = std::any_of(faults.begin(), faults.end(), [&](const ScheduledFault& f) {
          return &f != &faults[index] && f.target == fault.target && f.call <= fault.last_call() &&
                 fault.call <= f.last_call();
        });
        if (taken) continue;
        if (Fails(Schedule(moved))) return true;
        if (result_.shrink_exhausted) return false;
      }
    }
    return false;
  }

  // The earlier calls worth trying, earliest first: all of them for a small ordinal, else the
  // first few, the middle and the one just before (a large ordinal would eat the budget).
  static std::vector<std::uint64_t> EarlierCalls(std::uint64_t call) {
    constexpr std::uint64_t kAll = 16;
    std::vector<std::uint64_t> calls;
    for (std::uint64_t c = 1; c < call && c <= kAll; ++c) calls.push_back(c);
    if (call > kAll + 1) {
      for (const std::uint64_t c : {call / 2, call - 1}) {
        if (c > kAll && (calls.empty() || calls.back() != c)) calls.push_back(c);
      }
    }
    return calls;
  }

  const ExploreOptions& options_;
  const std::function<void()>& body_;
  Harness& harness_;
  ExploreResult& result_;
  Schedule current_;
  bool last_failed_ = false;
};

}  // namespace

std::optional<std::string> RunCatchingExceptions(const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& error) {
    return std::string(error.what());
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return "an exception of type " +
           (type != nullptr ? internal::Demangle(*type) : std::string("<unknown>")) +
           " escaped the body";
  }
  return std::nullopt;
}

SweepOptions& SweepOptions::Outage(std::uint64_t calls) {
  if (calls == 0) {
    throw std::invalid_argument(
        "faultline: SweepOptions::Outage: an outage lasts at least 1 call, got 0");
  }
  outage_calls = calls;
  return *this;
}

SweepResult Sweep(const SweepOptions& options, const std::function<void()>& body) {
  if (options.faults_per_run != 1 && options.faults_per_run != 2) {
    throw std::invalid_argument("faultline: Sweep: faults_per_run must be 1 or 2, got " +
                                std::to_string(options.faults_per_run));
  }
  if (options.outage_calls == 0) {
    throw std::invalid_argument(
        "faultline: Sweep: outage_calls must be at least 1 (or SweepOptions::kPersistent), got 0");
  }
  if (options.outage_calls != 1 && options.faults_per_run != 1) {
    throw std::invalid_argument(
        "faultline: Sweep: an outage sweep places one outage per run: expected faults_per_run 1 "
        "with Outage() or Persistent(), got " + std::to_string(options.faults_per_run));
  }
  Harness harness(options.injector, options.runner);
  std::vector<FaultConfig> faults = options.faults.empty() ? harness.rules() : options.faults;
  if (faults.empty()) {
    throw std::invalid_argument(
        "faultline: Sweep: nothing to sweep: expected a fault in SweepOptions::faults or an "
        "installed rule, got neither");
  }
  for (const FaultConfig& fault : faults) {
    if (!fault.chain().empty()) {
      throw std::invalid_argument(
          "faultline: Sweep: rule \"" + fault.name() +
          "\" is chained: its terms decide which of its calls fail, so it cannot be swept call "
          "by call (sweep each term's action as a rule of its own)");
    }
  }
  SweepResult result;
  result.outage_calls = options.outage_calls;
  Sweeper sweeper(options, body, harness, faults, result);
  Outcome outcome;
  if (options.replay) {
    sweeper.Try(*options.replay, &outcome);
    result.replayed = outcome.schedule;
    return result;
  }
  // The fault-free run: the body must pass without faults, and it tells which targets the
  // faults reach and how often.
  if (!sweeper.Try(Schedule(), &outcome) || outcome.failure) return result;
  std::vector<Slot> slots;
  for (const FaultConfig& fault : faults) {
    for (const auto& [target, calls] : outcome.calls_per_target) {
      if (internal::GlobMatch(fault.target(), target)) slots.push_back(Slot{fault.name(), target});
    }
  }
  for (const auto& [target, calls] : outcome.calls_per_target) {
    const bool swept = std::any_of(slots.begin(), slots.end(),
                                   [&, &name = target](const Slot& slot) { return slot.target == name; });
    if (swept) result.targets.emplace_back(target, calls);
  }
  result.complete =
      options.faults_per_run == 1 ? sweeper.Singles(slots) : sweeper.Pairs(slots);
  return result;
}

SweepResult Sweep(FaultConfig fault, const std::function<void()>& body) {
  return Sweep(SweepOptions().Fault(std::move(fault)), body);
}

ExploreOptions& ExploreOptions::For(std::chrono::nanoseconds budget) {
  if (budget <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("faultline: ExploreOptions::For: expected a positive time budget, got " +
                                internal::DurationText(budget));
  }
  time_budget = budget;
  return *this;
}

ExploreOptions& ExploreOptions::Shard(std::uint64_t index, std::uint64_t count) {
  if (index >= count) {
    throw std::invalid_argument("faultline: ExploreOptions::Shard: expected a shard index below the "
                                "shard count, got " + std::to_string(index) + " of " +
                                std::to_string(count));
  }
  shard_index = index;
  shard_count = count;
  return *this;
}

ExploreResult Explore(const ExploreOptions& options, const std::function<void()>& body) {
  if (options.shard_index >= options.shard_count) {
    throw std::invalid_argument("faultline: Explore: expected shard_index below shard_count, got " +
                                std::to_string(options.shard_index) + " of " +
                                std::to_string(options.shard_count));
  }
  if (options.time_budget && *options.time_budget <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("faultline: Explore: expected a positive time_budget, got " +
                                internal::DurationText(*options.time_budget));
  }
  Harness harness(options.injector, options.runner);
  ExploreResult result;
  if (options.replay) {
    const Outcome outcome = harness.Run(harness.rules(), harness.seed(), &*options.replay, body);
    result.runs = 1;
    result.replayed = true;
    result.failed = outcome.failure.has_value();
    result.original =
        RunFailure{outcome.schedule, harness.seed(), outcome.failure.value_or(""), outcome.events};
    result.minimal = outcome.schedule;
    result.minimal_events = outcome.events;
    result.message = result.original.message;
    return result;
  }
  result.shard_index = options.shard_index;
  result.shard_count = options.shard_count;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t run = options.shard_index; run < options.runs;) {
    if (result.runs > 0 && options.time_budget &&
        std::chrono::steady_clock::now() - start >= *options.time_budget) {
      result.time_budget_spent = true;
      break;
    }
    // The seed of run `run` whichever shard makes it: shards together make the unsharded runs.
    const std::uint64_t seed =
        run == 0 ? harness.seed() : internal::Mix64(harness.seed() ^ internal::Mix64(run));
    const Outcome outcome = harness.Run(harness.rules(), seed, nullptr, body);
    ++result.runs;
    if (outcome.failure) {
      result.failed = true;
      result.failing_run = run;
      result.original = RunFailure{outcome.schedule, seed, *outcome.failure, outcome.events};
      break;
    }
    if (options.runs - run <= options.shard_count) break;  // run + shard_count would overflow
    run += options.shard_count;
  }
  if (!result.failed) return result;
  // Replays run on the exploration's own seed, which is what a replay flag reproduces; only
  // corrupted values depend on the seed under a schedule.
  Shrinker(options, body, harness, result).Shrink();
  return result;
}

std::string SweepResult::Report(const std::string& schedule_flag) const {
  std::ostringstream out;
  if (replayed) {
    out << "[faultline] sweep: replayed " << replayed->ToString() << "\n";
    if (!failures.empty()) out << "[faultline] failure: " << Indented(failures.front().message) << "\n";
    return out.str();
  }
  out << "[faultline] sweep: " << runs << " run(s) over ";
  if (targets.empty()) out << "no target (no fault reached a call)";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out << (i == 0 ? "" : ", ") << targets[i].first << " (" << targets[i].second << " call(s))";
  }
  if (outage_calls == SweepOptions::kPersistent) {
    out << ", persistent outages";
  } else if (outage_calls != 1) {
    out << ", outages of " << outage_calls << " calls";
  }
  out << (complete ? ", complete" : ", stopped early");
  if (failures.empty()) {
    out << ", no failure\n";
    return out.str();
  }
  out << ", " << failures.size() << " failing run(s)\n";
  for (const RunFailure& failure : failures) {
    out << "[faultline] failing schedule: " << failure.schedule.ToString();
    if (failure.schedule.empty()) out << " (the body fails without any fault)";
    if (outage_calls != 1 && failure.schedule.size() == 1) {
      const ScheduledFault& outage = failure.schedule.faults().front();
      out << " (" << outage.target << " fails " << CallsText(outage) << ")";
    }
    out << "\n";
  }
  out << "[faultline] failure: " << Indented(failures.front().message) << "\n";
  out << "[faultline] replay: " << schedule_flag << "=" << failures.front().schedule.ToString()
      << "\n";
  return out.str();
}

std::string ExploreResult::ReplayFlag(const std::string& schedule_flag) const {
  return schedule_flag + "=" + minimal.ToString();
}

std::string ExploreResult::Report(const std::string& schedule_flag) const {
  std::ostringstream out;
  if (replayed) {
    out << "[faultline] explore: replayed " << minimal.ToString() << " (seed " << original.seed
        << ")\n";
    if (failed) out << "[faultline] failure: " << Indented(message) << "\n";
    return out.str();
  }
  // A campaign's bounds, when they show: "shard 1/4: " and "; the time budget stopped it".
  const std::string shard =
      shard_count == 1 ? "" : "shard " + std::to_string(shard_index) + "/" + std::to_string(shard_count) + ": ";
  if (!failed) {
    out << "[faultline] explore: " << shard << runs << " run(s), none failed"
        << (time_budget_spent ? "; the time budget stopped it" : "") << "\n";
    return out.str();
  }
  if (shard.empty()) {
    out << "[faultline] explore: run " << failing_run + 1 << " failed";
  } else {
    // Index and seed are the campaign's: the failure is the same in one unsharded process.
    out << "[faultline] explore: " << shard << "run index " << failing_run << " failed (the shard's run "
        << runs << ";";
  }
  out << (shard.empty() ? " (" : " ") << "seed " << original.seed << ") with " << original.schedule.size()
      << " fault(s): " << original.schedule.ToString() << "\n";
  if (flaky) {
    out << "[faultline] flaky: replaying that schedule passed, so the failure does not follow "
           "from the faults alone (a nondeterministic body?); not shrunk\n";
  } else {
    out << "[faultline] minimal schedule (" << minimal.size() << " fault(s), " << shrink_runs
        << " replay(s)" << (shrink_exhausted ? ", replay budget exhausted" : "")
        << "): " << minimal.ToString() << "\n";
  }
  out << "[faultline] failure: " << Indented(message) << "\n";
  if (!flaky) out << "[faultline] replay: " << ReplayFlag(schedule_flag) << "\n";
  return out.str();
}

}  // namespace faultline
