#include "faultline/injector.hpp"

#include <cxxabi.h>
#include <dirent.h>
#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <map>
#include <set>
#include <system_error>
#include <unordered_map>

#include "epoch.hpp"
#include "faultline/internal/ownership.hpp"
#include "glob.hpp"
#include "text.hpp"

namespace faultline {
namespace internal {

std::atomic<FaultInjector*> g_current{nullptr};
std::atomic<bool> g_current_armed{false};
__thread int t_harness_depth = 0;
__thread int t_only_in_depth = 0;
std::atomic<DescriptorPathFunction> g_descriptor_path{nullptr};

namespace {
// Serializes changes of the current injector with changes of its armed state.
std::mutex& CurrentMutex() {
  static std::mutex* mutex = new std::mutex();  // leaked: used from static destructors
  return *mutex;
}

struct PointRegistry {
  std::mutex mutex;
  std::unordered_map<std::string, std::uint32_t> ids;
  std::vector<const std::string*> names;  // by id; map keys never move
};
PointRegistry& Points() {
  static PointRegistry* registry = new PointRegistry();  // leaked: points outlive main
  return *registry;
}
}  // namespace

std::uint32_t PointId(const std::string& name) {
  PointRegistry& registry = Points();
  internal::HarnessLock lock(registry.mutex);
  if (registry.ids.size() >= kMaxTargets && registry.ids.count(name) == 0) {
    throw std::length_error("faultline: target \"" + name + "\": a process may use at most " +
                            std::to_string(kMaxTargets) + " distinct target names");
  }
  auto [it, inserted] =
      registry.ids.emplace(name, static_cast<std::uint32_t>(registry.ids.size()));
  if (inserted) registry.names.push_back(&it->first);
  return it->second;
}

namespace {
struct Problems {
  std::mutex mutex;
  std::vector<std::string> messages;
};
Problems& ReportedProblems() {
  static Problems* problems = new Problems();  // leaked: reported from any thread until exit
  return *problems;
}
}  // namespace

void ReportProblem(std::string message) {
  Problems& problems = ReportedProblems();
  HarnessLock lock(problems.mutex);
  problems.messages.push_back(std::move(message));
}

std::vector<std::string> TakeProblems() {
  Problems& problems = ReportedProblems();
  HarnessLock lock(problems.mutex);
  return std::exchange(problems.messages, {});
}

namespace {
// One bit per descriptor below 65536.
constexpr int kDescriptorWords = 1024;
std::atomic<std::uint64_t> g_framework_descriptors[kDescriptorWords];
}  // namespace

std::vector<int> OpenDescriptors() {
  HarnessScope scope;
  std::vector<int> open;
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return open;
  while (const dirent* entry = ::readdir(directory)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(directory)) continue;
    open.push_back(static_cast<int>(fd));
  }
  ::closedir(directory);
  std::sort(open.begin(), open.end());
  return open;
}

void MarkFrameworkDescriptors(const std::vector<int>& before) {
  for (const int fd : OpenDescriptors()) {
    if (fd < 0 || fd >= kDescriptorWords * 64) continue;
    if (std::binary_search(before.begin(), before.end(), fd)) continue;
    g_framework_descriptors[fd / 64].fetch_or(std::uint64_t{1} << (fd % 64),
                                               std::memory_order_relaxed);
  }
}

bool IsFrameworkDescriptor(int fd) {
  return fd >= 0 && fd < kDescriptorWords * 64 &&
         ((g_framework_descriptors[fd / 64].load(std::memory_order_relaxed) >> (fd % 64)) & 1) != 0;
}

void ForgetFrameworkDescriptor(int fd) {
  if (IsFrameworkDescriptor(fd)) {
    g_framework_descriptors[fd / 64].fetch_and(~(std::uint64_t{1} << (fd % 64)),
                                                std::memory_order_relaxed);
  }
}

FaultInjector& DefaultInjector() {
  static FaultInjector* injector = [] {
    auto* created = new FaultInjector(kDefaultSeed);  // leaked: fault points outlive main
    // Outside a test a fault point in production code costs one load.
    created->CountCalls(false);
    FaultInjector* expected = nullptr;
    g_current.compare_exchange_strong(expected, created);
    return created;
  }();
  return *injector;
}

std::string ReadableTypeName(std::string_view spelling) {
  std::string result(spelling);
  // Replaces whole words only: "long int" must not match inside "long long int".
  auto replace_all = [&result](const std::string& from, const std::string& to) {
    auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::size_t at = 0; (at = result.find(from, at)) != std::string::npos;) {
      const bool starts = at == 0 || !is_word(result[at - 1]) || !is_word(from.front());
      const std::size_t after = at + from.size();
      const bool ends = after == result.size() || !is_word(result[after]) || !is_word(from.back());
      if (starts && ends) {
        result.replace(at, from.size(), to);
        at += to.size();
      } else {
        ++at;
      }
    }
  };
  // The standard library's own spelling is noise in an error message, and differs between
  // libstdc++ and libc++ and between compilers: drop their inline namespaces, name strings as
  // users write them, and spell integer types as the demangler and clang do.
  replace_all("std::__cxx11::", "std::");
  replace_all("std::__1::", "std::");
  replace_all("std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
              "std::string");
  replace_all("std::basic_string<char, std::char_traits<char>, std::allocator<char>>",
              "std::string");
  replace_all("std::basic_string<char>", "std::string");
  replace_all("std::basic_string_view<char, std::char_traits<char> >", "std::string_view");
  replace_all("std::basic_string_view<char, std::char_traits<char>>", "std::string_view");
  replace_all("std::basic_string_view<char>", "std::string_view");
  // Default arguments: g++ spells them, clang does not.
  for (std::size_t at; (at = result.find(", std::default_delete<")) != std::string::npos;) {
    std::size_t end = at + 22;
    for (int depth = 1; end < result.size() && depth > 0; ++end) {
      depth += result[end] == '<' ? 1 : result[end] == '>' ? -1 : 0;
    }
    result.erase(at, end - at);
    if (at + 1 < result.size() && result[at] == ' ' && result[at + 1] == '>') result.erase(at, 1);
  }
  replace_all("long long unsigned int", "unsigned long long");
  replace_all("long unsigned int", "unsigned long");
  replace_all("short unsigned int", "unsigned short");
  replace_all("long long int", "long long");
  replace_all("long int", "long");
  replace_all("short int", "short");
  replace_all("{anonymous}", "(anonymous namespace)");
  // Closing brackets spaced, as the demangler writes them (g++ does too, clang does not).
  for (std::size_t at = 0; (at = result.find(">>", at)) != std::string::npos;) {
    result.insert(at + 1, " ");
  }
  return result;
}

std::string Demangle(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string result = (status == 0 && name != nullptr) ? name : type.name();
  std::free(name);
  return ReadableTypeName(result);
}

namespace {
// A return value as message text (a number, a bool or a string as it is, never quoted or
// suffixed as in the rule language); nothing for other types.
std::optional<std::string> ValueMessage(const AnyValue& value) {
  if (const auto* i = AnyCast<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* u = AnyCast<std::uint64_t>(&value)) return std::to_string(*u);
  if (const auto* d = AnyCast<double>(&value)) {
    char buffer[32];  // the shortest text that reads back as the value
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, *d).ptr);
  }
  if (const auto* b = AnyCast<bool>(&value)) return std::string(*b ? "true" : "false");
  if (const auto* text = AnyCast<std::string>(&value)) return *text;
  return std::nullopt;
}
}  // namespace

std::string ReturnTypeMismatch(const FaultConfig& rule, const std::string& result_type) {
  const AnyValue& value = rule.return_value();
  std::string shown;
  if (const auto* text = AnyCast<std::string>(&value)) {
    shown = "\"" + *text + "\" ";
  } else if (std::optional<std::string> number = ValueMessage(value)) {
    shown = *number + " ";
  }
  return "its return value " + shown + "of type " +
         (rule.return_type_name().empty() ? std::string("<none>") : rule.return_type_name()) +
         " cannot become the result type " + result_type;
}

std::string ReturnOutOfRange(const FaultConfig& rule, const std::string& result_type) {
  return "its return value " + ValueMessage(rule.return_value()).value_or("") +
         " does not fit the result type " + result_type;
}

std::string NotCorruptible(const std::string& result_type) {
  return "cannot corrupt a result of type " + result_type +
         " (specialize faultline::Corruptor<T> for it)";
}

namespace {
// Why a `type` rule cannot fire into code built without exceptions, followed by `and_why`.
std::string CannotThrow(FaultType type, const std::string& and_why) {
  return std::string("its ") + ToString(type) +
         " cannot be thrown into code built without exceptions, and " + and_why;
}
}  // namespace

std::string NoErrorMapping(const FaultConfig& rule, const std::string& result_type) {
  return CannotThrow(rule.type(), "the result type " + result_type +
                                      " has no error mapping (specialize faultline::ErrorMapping)");
}

std::optional<Failure> DescribeFailure(const FaultConfig& rule, std::string& message,
                                       bool& from_value) {
  Failure failure;
  failure.config = &rule;
  failure.rule = rule.name();
  failure.type = rule.type();
  from_value = false;
  if (rule.type() == FaultType::kException || rule.type() == FaultType::kTimeout) {
    if (rule.type() == FaultType::kTimeout) failure.error_number = ETIMEDOUT;
    message = rule.message();
  } else if (rule.type() != FaultType::kReturn) {
    return std::nullopt;
  } else if (const auto* error = AnyCast<SystemError>(&rule.return_value())) {
    failure.error_number = error->code;
    message = std::generic_category().message(error->code);
  } else if (std::optional<std::string> text = ValueMessage(rule.return_value())) {
    from_value = true;
    message = std::move(*text);
  } else {
    return std::nullopt;
  }
  failure.message = message;
  return failure;
}

std::exception_ptr FaultException(const Failure& failure) {
  switch (failure.type) {
    case FaultType::kTimeout:
      return std::make_exception_ptr(
          InjectedTimeout(std::string(failure.rule), std::string(failure.message)));
    case FaultType::kException:
      if (failure.config != nullptr && failure.config->throws_custom_exception()) {
        try {
          failure.config->Throw();
        } catch (...) {
          return std::current_exception();
        }
      }
      return std::make_exception_ptr(
          InjectedFault(std::string(failure.rule), std::string(failure.message)));
    default:
      return std::make_exception_ptr(
          std::system_error(failure.error_number, std::generic_category()));
  }
}

Decision CheckPointWithoutExceptions(std::uint32_t point_id) {
  FaultInjector& injector = Current();
  if (!injector.armed()) return {};
  Site& site = injector.SiteFor(point_id);
  Decision decision = injector.CheckForError(site);
  if (decision && (decision.type() == FaultType::kException ||
                   decision.type() == FaultType::kTimeout)) {
    ReportMisfire(*decision.rule, site,
                  CannotThrow(decision.type(),
                              "a fault point has no result to carry an error (faultline::Call "
                              "has)"));
    return {};
  }
  return decision;
}

void ReportMisfire(const FaultConfig& rule, const Site& site, const std::string& problem) {
  ReportProblem("faultline: rule \"" + rule.name() + "\" on target \"" + site.name + "\": " +
                problem + "; the call was made as if the rule had not fired");
}

struct Rule;

// What Stats() reports of the rules added since Reset(): one entry per (name, target, type,
// probability), so that a rule added and removed in a loop costs one entry, not one per loop.
// Lives until Reset(), then is retired like a rule: events and checks in flight point to it,
// so a check of a rule being removed still counts.
struct alignas(64) RuleRecord {
  RuleRecord(const FaultConfig& config)
      : name(config.name()),
        target(config.target()),
        type(config.type()),
        probability(config.probability()) {}
  const std::string name;
  const std::string target;
  const FaultType type;
  const double probability;
  // Every check of a matching site writes these: they own a cache line, so that a neighbouring
  // allocation another thread reads on its hot path never shares it.
  alignas(64) std::atomic<std::uint64_t> checks{0};
  std::atomic<std::uint64_t> triggers{0};
};

// One installed rule. Freed by epoch-based reclamation after its removal, because checks in
// flight may still read it.
struct alignas(64) Rule {
  Rule(std::shared_ptr<const FaultConfig> c, RuleId rule_id, RuleRecord* rule_record,
       std::uint64_t rule_generation, std::uint64_t seed_mix)
      : config(std::move(c)),
        name_hash(HashName(config->name().data(), config->name().size())),
        seeded(SeededRuleMix(seed_mix, name_hash)),
        id(rule_id),
        record(rule_record),
        generation(rule_generation),
        threshold(DrawThreshold(config->probability())),
        head_bound(DrawHeadBound(threshold)),
        literal(IsLiteralGlob(config->target())),
        conditional(config->skip_first() != 0 || config->every_nth() != 0 ||
                    !config->on_calls().empty() || !config->chain().empty()),
        filtered(config->has_call_filter()),
        chained(!config->chain().empty()),
        quick(!conditional && !filtered && config->max_triggers() == 0) {
    if (chained) {
      // Aliases of the rule's config, so that a fired term keeps the whole rule alive.
      terms.push_back(config);
      for (const FaultConfig& term : config->chain()) terms.emplace_back(config, &term);
    }
  }
  ~Rule() { delete chain_counts.load(std::memory_order_relaxed); }
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;

  // The counts the terms of a chained rule have used up on `site`, one per term; null when
  // the site has none (never: they are made before the rule is published on a site).
  std::atomic<std::uint64_t>* CountsOn(const Site& site) const {
    const ChainCounts* table = chain_counts.load(std::memory_order_acquire);
    if (table == nullptr) return nullptr;
    auto it = std::lower_bound(
        table->sites.begin(), table->sites.end(), &site,
        [](const std::pair<const Site*, std::atomic<std::uint64_t>*>& entry, const Site* s) {
          return entry.first < s;
        });
    return it != table->sites.end() && it->first == &site ? it->second : nullptr;
  }
  const std::shared_ptr<const FaultConfig> config;
  const std::uint64_t name_hash;
  // SeededRuleMix(the injector's seed, name_hash): the part of every draw that depends on
  // neither target nor call. Rewritten under the mutex when the seed changes.
  std::atomic<std::uint64_t> seeded;
  const RuleId id;
  RuleRecord* const record;
  const std::uint64_t generation;  // the injector's Reset() count when it was added
  const std::uint64_t threshold;   // DrawThreshold(probability)
  const std::uint64_t head_bound;  // DrawHeadBound(threshold), of a probability in (0, 1)
  const bool literal;      // the target names one site: indexed by name, never matched as a glob
  // Has skip / every-nth / ordinal conditions, or is chained: tested before either, so that
  // rules with neither pay one test for both.
  const bool conditional;
  const bool filtered;     // has a path, size, scope or thread filter
  const bool chained;      // has terms chained after its own: decided by DecideChain
  // Has no condition, filter or budget: Decide decides it alone on its site (RuleList::quick),
  // by its threshold.
  const bool quick;
  // Of a chained rule: its own config, then one alias per chained term.
  std::vector<std::shared_ptr<const FaultConfig>> terms;
  // Of a chained rule: per site, the counts its terms used up there (per target, as "applied
  // in order per target" says). Replaced, never changed, when a site is added; the counts
  // themselves live in `counts` and move to no other table.
  struct ChainCounts {
    std::vector<std::pair<const Site*, std::atomic<std::uint64_t>*>> sites;  // by address
  };
  std::atomic<const ChainCounts*> chain_counts{nullptr};
  std::vector<std::unique_ptr<std::atomic<std::uint64_t>[]>> counts;  // writers only
  // Of a disabled chained rule: what its terms had used up per site when it was disabled,
  // given back when it is enabled again (writers only).
  std::vector<std::pair<const Site*, std::vector<std::uint64_t>>> used_while_disabled;
  std::vector<Site*> sites;  // the sites whose list holds this rule (writers only)
  // Triggers of this install, against its MaxTriggers limit (counted only when it has one). On
  // its own cache line, like the record's counters.
  alignas(64) std::atomic<std::uint64_t> limited_triggers{0};
};

struct EventRecord {
  const RuleRecord* rule;
  FaultType type;  // of the term that fired, for a chained rule
  const Site* site;
  std::uint64_t call;
  std::uint64_t sequence;
  std::thread::id thread;
  std::chrono::nanoseconds timestamp;
  std::shared_ptr<const std::string> test;  // null outside any test
};

// A published schedule, indexed for Decide: per process-wide site id, the scheduled calls
// and outages (first and last call) in ascending order, which never overlap, with the rule that
// fires on each. Immutable once published.
struct ReplayPlan {
  struct Entry {
    std::uint64_t first;
    std::uint64_t last;
    std::string rule;
  };
  std::unordered_map<std::uint32_t, std::vector<Entry>> by_site;

  // True when `rule` is scheduled for call `call` of `site`.
  bool Fires(const Site& site, std::uint64_t call, const std::string& rule) const {
    auto it = by_site.find(site.id);
    if (it == by_site.end()) return false;
    // The last entry starting at or before `call` is the only one that may cover it.
    auto after = std::upper_bound(it->second.begin(), it->second.end(), call,
                                  [](std::uint64_t c, const Entry& entry) { return c < entry.first; });
    if (after == it->second.begin()) return false;
    const Entry& at = *std::prev(after);
    return call <= at.last && at.rule == rule;
  }
};

// An entry of a rule index: the id beside the rule, so that a binary search by id reads the
// index alone, never the rules it points to (which a large index would scatter across memory).
struct IndexedRule {
  RuleId id;
  Rule* rule;
};
using RuleIndex = std::deque<IndexedRule>;
// The threads that kPause and kWait rules hold. A hold lasts while its rule is armed (installed
// and not released), ends at Release, at the rule's removal and at ReleaseAll (Reset), and is
// bounded in real time (never the injector's Clock: a virtual clock would never end it). A
// thread that fired a rule just before the rule went away does not hold at all, so the end of a
// test cannot leave a thread behind it parked.
class SyncPoints {
 public:
  enum class Outcome { kDone, kTimedOut };

  // A pause or wait rule named `name` was installed: it holds threads until released.
  void Arm(const std::string& name) {
    HarnessLock lock(mutex_);
    armed_[name] = ++serial_;
  }

  // Ends the holds of rule `name`, now and later; returns how many threads it held.
  std::size_t Release(const std::string& name) {
    HarnessLock lock(mutex_);
    armed_.erase(name);
    changed_.notify_all();
    auto held = held_.find(name);
    return held == held_.end() ? 0 : held->second;
  }

  void ReleaseAll() {
    HarnessLock lock(mutex_);
    armed_.clear();
    ++generation_;
    changed_.notify_all();
  }

  // Holds the calling thread for rule `name` until `done()`, polled every millisecond when
  // `poll` (the sites waited for are not told of their calls, so that checks of them cost
  // nothing more), or until the rule is released.
  template <class Done>
  Outcome Hold(const std::string& name, std::chrono::nanoseconds timeout, Done done, bool poll) {
    HarnessScope scope;
    const auto deadline = Deadline(timeout);
    std::unique_lock<std::mutex> lock(mutex_);
    const auto armed = armed_.find(name);
    if (armed == armed_.end()) return Outcome::kDone;
    const std::uint64_t serial = armed->second;
    ++held_[name];
    const auto ended = [&] {
      const auto now_armed = armed_.find(name);
      return now_armed == armed_.end() || now_armed->second != serial || done();
    };
    Outcome outcome = Outcome::kDone;
    while (!ended()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        outcome = Outcome::kTimedOut;
        break;
      }
      if (poll) {
        changed_.wait_for(lock, std::chrono::milliseconds(1));
      } else {
        changed_.wait_until(lock, deadline);
      }
    }
    if (--held_[name] == 0) held_.erase(name);
    return outcome;
  }

  // Waits until `done()`, polling it every millisecond; false on a timeout or when ReleaseAll
  // ends the wait.
  template <class Done>
  bool WaitUntil(Done done, std::chrono::nanoseconds timeout, bool& timed_out) {
    HarnessScope scope;
    const auto deadline = Deadline(timeout);
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t generation = generation_;
    timed_out = false;
    for (;;) {
      if (done()) return true;
      if (generation_ != generation) return false;
      if (std::chrono::steady_clock::now() >= deadline) {
        timed_out = true;
        return false;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(1));
    }
  }

 private:
  static std::chrono::steady_clock::time_point Deadline(std::chrono::nanoseconds timeout) {
    // Bounded so that the sum cannot overflow: a year is "never" for a test.
    const std::chrono::nanoseconds year = std::chrono::hours(24 * 365);
    return std::chrono::steady_clock::now() +
           std::min(std::max(timeout, std::chrono::nanoseconds(0)), year);
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t serial_ = 0;      // numbers each Arm, so a hold outlives no re-arming
  std::uint64_t generation_ = 0;  // bumped by ReleaseAll
  std::map<std::string, std::uint64_t> armed_;  // rule name -> serial of its Arm
  std::map<std::string, std::size_t> held_;     // threads held per rule name
};

struct InjectorState {
  // Guards everything below except the event log and the atomics.
  mutable std::mutex mutex;
  bool enabled = true;
  bool counting = true;
  RuleId next_id = 1;
  // Rule indexes hold rules in insertion order (ascending ids): deques, so that removing the
  // oldest or the newest rule is O(1), as a site's list window is.
  RuleIndex installed;  // owned, retired when removed
  std::unordered_map<std::string_view, Rule*> by_name;  // keys are the rules' own names
  // Enabled rules by the one site they name, and enabled glob rules, in insertion order: a new
  // site is matched against these alone.
  std::unordered_map<std::string, RuleIndex> literal_rules;
  RuleIndex glob_rules;
  std::deque<std::unique_ptr<RuleRecord>> records;  // since Reset(), in the order added
  std::unordered_map<std::string, std::vector<RuleRecord*>> records_by_name;

  std::deque<std::unique_ptr<Site>> sites;  // never freed before the injector
  // Sites with result checks (Site::result_checks) since Reset(), which forgets them: a target
  // may be wrapped with another result type in the next test.
  std::vector<Site*> typed_sites;
  // Sorted, so that a glob visits only the sites that start with its literal prefix.
  std::map<std::string_view, Site*> sites_by_name;
  std::deque<std::unique_ptr<std::atomic<Site*>[]>> chunks;
  // Sites counted since Reset(), linked through Site::next_touched.
  std::atomic<Site*> touched{nullptr};

  // The schedule being replayed, or null; Decide's one extra load. Retired when replaced.
  std::atomic<const ReplayPlan*> replay{nullptr};

  // Bumped by Reset() under both mutexes: a rule of an earlier generation, still seen by a
  // check in flight, records no event after it.
  std::uint64_t generation = 0;
  mutable std::mutex events_mutex;
  std::vector<EventRecord> events;  // reserved to event_limit
  std::size_t event_limit = kDefaultEventLimit;
  std::uint64_t dropped_events = 0;
  std::uint64_t next_sequence = 1;

  SyncPoints sync;
};

namespace {

// The rule `id` in `rules`, which hold rules in insertion order (ascending ids); end() if absent.
RuleIndex::iterator FindById(RuleIndex& rules, RuleId id) {
  // Rules mostly go oldest first (a test's, in order) or newest first (a scope's).
  if (!rules.empty() && rules.front().id == id) return rules.begin();
  if (!rules.empty() && rules.back().id == id) return std::prev(rules.end());
  auto it = std::lower_bound(rules.begin(), rules.end(), id,
                             [](const IndexedRule& entry, RuleId wanted) { return entry.id < wanted; });
  return it != rules.end() && it->id == id ? it : rules.end();
}

bool Matches(const Rule& rule, const Site& site) {
  return rule.literal ? rule.config->target() == site.name
                      : GlobMatch(rule.config->target(), site.name);
}

// Sets what Decide takes of `list`, the list of `site`: its quick rule and that rule's mix
// (RuleList::quick, RuleList::mix). Caller holds the mutex.
void SetQuick(const InjectorState& state, const Site& site, const RuleList& list) {
  Rule* rule = list.items[0];
  const bool quick = list.size == 1 && rule->quick &&
                     state.replay.load(std::memory_order_relaxed) == nullptr;
  list.mix.store(Mix64(rule->seeded.load(std::memory_order_relaxed) ^ site.name_mix),
                 std::memory_order_relaxed);
  list.quick.store(quick ? rule : nullptr, std::memory_order_relaxed);
}

// Publishes `size` rules of `array` from `items` as the list of `site` and retires the list it
// replaces. Caller holds the mutex.
void Publish(const InjectorState& state, Site& site, std::shared_ptr<std::vector<Rule*>> array,
             Rule* const* items, std::size_t size) {
  RuleList* list = nullptr;
  if (size != 0) {
    list = new RuleList{std::move(array), items, size};
    SetQuick(state, site, *list);
  }
  Retire(site.rules.exchange(list, std::memory_order_seq_cst));
}

void Publish(const InjectorState& state, Site& site, std::vector<Rule*> rules) {
  auto array = std::make_shared<std::vector<Rule*>>(std::move(rules));
  Rule* const* items = array->data();
  const std::size_t size = array->size();
  Publish(state, site, std::move(array), items, size);
}

// Sets again what Decide takes of every list of a site of an installed rule, after a change of
// the seed or of the replay. Caller holds the mutex.
void RefreshQuick(const InjectorState& state) {
  for (const IndexedRule& entry : state.installed) {
    for (const Site* site : entry.rule->sites) {
      const RuleList* list = site->rules.load(std::memory_order_relaxed);
      if (list != nullptr && list->items[0] == entry.rule) SetQuick(state, *site, *list);
    }
  }
}

// Inserts `rule` into the list of `site` in id order (usually last). Caller holds the mutex.
void Insert(const InjectorState& state, Site& site, Rule& rule) {
  const RuleList* current = site.rules.load(std::memory_order_relaxed);
  if (current == nullptr) return Publish(state, site, std::vector<Rule*>{&rule});
  if (current->items[current->size - 1]->id > rule.id) {
    // A rule enabled again goes back to its place: a copy, as a removal from the middle.
    std::vector<Rule*> rules(current->begin(), current->end());
    rules.insert(std::lower_bound(rules.begin(), rules.end(), &rule,
                                  [](const Rule* a, const Rule* b) { return a->id < b->id; }),
                 &rule);
    return Publish(state, site, std::move(rules));
  }
  std::shared_ptr<std::vector<Rule*>> array = current->array;
  // Readers of the current list read only its own window of the array, so an entry written
  // past the array's end, within its capacity (no reallocation moves the others), is invisible
  // to them. Otherwise the window moves to an array with room to grow.
  if (current->end() != array->data() + array->size() || array->size() == array->capacity()) {
    auto grown = std::make_shared<std::vector<Rule*>>();
    grown->reserve(2 * current->size + 1);
    grown->assign(current->begin(), current->end());
    array = std::move(grown);
  }
  array->push_back(&rule);
  Rule* const* items = array->data() + array->size() - current->size - 1;
  Publish(state, site, std::move(array), items, current->size + 1);
}

// Removes `rule` from the list of `site`: the first or last entry by narrowing the window (as a
// scope's rules or the oldest ones go), any other by a copy. Caller holds the mutex.
void Remove(const InjectorState& state, Site& site, const Rule& rule) {
  const RuleList* current = site.rules.load(std::memory_order_relaxed);
  if (current == nullptr) return;  // an AddRule failed before linking it here
  if (current->items[0] == &rule) {
    return Publish(state, site, current->array, current->items + 1, current->size - 1);
  }
  if (current->items[current->size - 1] == &rule) {
    return Publish(state, site, current->array, current->items, current->size - 1);
  }
  std::vector<Rule*> rules;
  rules.reserve(current->size);
  std::remove_copy(current->begin(), current->end(), std::back_inserter(rules), &rule);
  if (rules.size() == current->size) return;  // an AddRule failed before linking it here
  Publish(state, site, std::move(rules));
}

// The rules matching a new site, in insertion order (ids ascend with it). Caller holds the
// mutex.
std::vector<Rule*> MatchingRules(const InjectorState& state, const Site& site) {
  std::vector<Rule*> rules;
  auto literal = state.literal_rules.find(site.name);
  if (literal != state.literal_rules.end()) {
    for (const IndexedRule& entry : literal->second) rules.push_back(entry.rule);
  }
  for (const IndexedRule& entry : state.glob_rules) {
    if (Matches(*entry.rule, site)) rules.push_back(entry.rule);
  }
  std::sort(rules.begin(), rules.end(), [](const Rule* a, const Rule* b) { return a->id < b->id; });
  return rules;
}

// The existing sites the target of `config` matches. Caller holds the mutex.
std::vector<Site*> SitesOf(const InjectorState& state, const FaultConfig& config) {
  std::vector<Site*> sites;
  if (IsLiteralGlob(config.target())) {
    auto site = state.sites_by_name.find(config.target());
    if (site != state.sites_by_name.end()) sites.push_back(site->second);
  } else {
    const std::string_view prefix = GlobLiteralPrefix(config.target());
    for (auto it = state.sites_by_name.lower_bound(prefix);
         it != state.sites_by_name.end() && it->first.substr(0, prefix.size()) == prefix; ++it) {
      if (GlobMatch(config.target(), it->second->name)) sites.push_back(it->second);
    }
  }
  return sites;
}

// Gives a chained `rule` its term counts on `sites`, before it is published there. Caller
// holds the mutex.
void AddChainCounts(Rule& rule, const std::vector<Site*>& sites) {
  if (!rule.chained || sites.empty()) return;
  const Rule::ChainCounts* current = rule.chain_counts.load(std::memory_order_relaxed);
  auto table = std::make_unique<Rule::ChainCounts>();
  if (current != nullptr) table->sites = current->sites;
  for (const Site* site : sites) {
    rule.counts.push_back(std::make_unique<std::atomic<std::uint64_t>[]>(rule.terms.size()));
    std::atomic<std::uint64_t>* counts = rule.counts.back().get();
    for (std::size_t i = 0; i < rule.terms.size(); ++i) {
      counts[i].store(0, std::memory_order_relaxed);
    }
    table->sites.emplace_back(site, counts);
  }
  std::sort(table->sites.begin(), table->sites.end());
  Retire(rule.chain_counts.exchange(table.release(), std::memory_order_acq_rel));
}

// What a chained `rule` used up of its term counts, per site. Caller holds the mutex.
std::vector<std::pair<const Site*, std::vector<std::uint64_t>>> UsedChainCounts(const Rule& rule) {
  const Rule::ChainCounts* table = rule.chain_counts.load(std::memory_order_relaxed);
  if (table == nullptr) return rule.used_while_disabled;
  std::vector<std::pair<const Site*, std::vector<std::uint64_t>>> used;
  for (const auto& [site, counts] : table->sites) {
    std::vector<std::uint64_t> values(rule.terms.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      values[i] = counts[i].load(std::memory_order_relaxed);
    }
    used.emplace_back(site, std::move(values));
  }
  return used;
}

// Gives `rule` the term counts UsedChainCounts read from the rule it replaces. Caller holds
// the mutex.
void RestoreChainCounts(
    Rule& rule, const std::vector<std::pair<const Site*, std::vector<std::uint64_t>>>& used) {
  if (!rule.config->enabled()) {
    rule.used_while_disabled = used;
    return;
  }
  for (const auto& [site, values] : used) {
    if (std::atomic<std::uint64_t>* counts = rule.CountsOn(*site)) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        counts[i].store(values[i], std::memory_order_relaxed);
      }
    }
  }
}

// Throws std::invalid_argument when `config` could not fire on a site it matches whose result
// type is known. Caller holds the mutex.
void CheckResultTypes(const InjectorState& state, const FaultConfig& config) {
  for (const Site* site : SitesOf(state, config)) {
    for (const ResultCheck check : site->result_checks) {
      std::optional<std::string> problem = check(config);
      for (auto term = config.chain().begin(); !problem && term != config.chain().end(); ++term) {
        problem = check(*term);
      }
      if (problem) {
        throw std::invalid_argument("faultline: rule \"" + config.name() + "\" on target \"" +
                                    site->name + "\": " + *problem);
      }
    }
  }
}

// Inserts `rule` into `rules` in id order: last, unless it is a rule enabled again.
void InsertById(RuleIndex& rules, Rule& rule) {
  rules.insert(std::lower_bound(rules.begin(), rules.end(), rule.id,
                                [](const IndexedRule& entry, RuleId id) { return entry.id < id; }),
               IndexedRule{rule.id, &rule});
}

// Links `rule` into the lists of the sites it matches. Caller holds the mutex.
void Link(InjectorState& state, Rule& rule) {
  if (!rule.config->enabled()) return;
  InsertById(rule.literal ? state.literal_rules[rule.config->target()] : state.glob_rules, rule);
  rule.sites = SitesOf(state, *rule.config);
  AddChainCounts(rule, rule.sites);
  // Lists stay in insertion order, so that rules are tried in the order they were added.
  for (Site* site : rule.sites) Insert(state, *site, rule);
}

// Removes `rule` from the lists of its sites and the indexes and retires it. Caller holds the
// mutex.
void Unlink(InjectorState& state, Rule& rule) {
  for (Site* site : rule.sites) Remove(state, *site, rule);
  if (rule.config->enabled()) {
    RuleIndex& index = rule.literal ? state.literal_rules[rule.config->target()]
                                    : state.glob_rules;
    auto it = FindById(index, rule.id);
    if (it != index.end()) index.erase(it);
    if (rule.literal && index.empty()) state.literal_rules.erase(rule.config->target());
  }
  auto named = state.by_name.find(rule.config->name());
  if (named != state.by_name.end() && named->second == &rule) state.by_name.erase(named);
  Retire(&rule);
}

// The record of `config` since Reset(), made on first use. Caller holds the mutex.
RuleRecord& RecordOf(InjectorState& state, const FaultConfig& config) {
  std::vector<RuleRecord*>& same_name = state.records_by_name[config.name()];
  for (RuleRecord* record : same_name) {
    if (record->target == config.target() && record->type == config.type() &&
        record->probability == config.probability()) {
      return *record;
    }
  }
  state.records.push_back(std::make_unique<RuleRecord>(config));
  same_name.push_back(state.records.back().get());
  return *state.records.back();
}

}  // namespace

}  // namespace internal

using internal::EventRecord;
using internal::Rule;
using internal::RuleList;
using internal::RuleRecord;
using internal::Site;

std::atomic<internal::Site*> FaultInjector::no_sites_[kChunkSize]{};

FaultInjector::FaultInjector(std::uint64_t seed)
    : seed_(seed),
      seed_mix_(internal::SeedMix(seed)),
      clock_(&RealClock::Instance()),
      state_(new internal::InjectorState()) {
  for (auto& chunk : site_chunks_) chunk.store(no_sites_, std::memory_order_relaxed);
  state_->events.reserve(state_->event_limit);
  UpdateArmed();
}

FaultInjector::~FaultInjector() {
  // A thread this injector holds must not wait on it once it is gone.
  state_->sync.ReleaseAll();
  {
    FaultInjector& fallback = internal::DefaultInjector();
    internal::HarnessLock lock(internal::CurrentMutex());
    FaultInjector* self = this;
    if (internal::g_current.compare_exchange_strong(self, &fallback)) {
      internal::g_current_armed.store(fallback.armed(), std::memory_order_release);
    }
  }
  // No check may run any more: everything can go at once.
  for (const internal::IndexedRule& entry : state_->installed) delete entry.rule;
  for (const auto& site : state_->sites) delete site->rules.load(std::memory_order_relaxed);
  delete state_->replay.load(std::memory_order_relaxed);
}

// Publishes the armed flags after a change of rules, enabled or counting state. Caller holds
// the mutex.
void FaultInjector::UpdateArmed() {
  const bool armed = state_->enabled && (state_->counting || !state_->installed.empty());
  armed_.store(armed, std::memory_order_relaxed);
  internal::HarnessLock current_lock(internal::CurrentMutex());
  if (internal::g_current.load(std::memory_order_relaxed) == this) {
    internal::g_current_armed.store(armed, std::memory_order_release);
  }
}

RuleId FaultInjector::AddRule(FaultConfig config) {
  internal::HarnessLock lock(state_->mutex);
  if (state_->by_name.count(config.name()) != 0) {
    throw std::invalid_argument("faultline: rule \"" + config.name() +
                                "\": a rule with this name is already installed");
  }
  if (config.type() == FaultType::kWait && config.after().empty()) {
    throw std::invalid_argument("faultline: rule \"" + config.name() +
                                "\": a wait rule needs the target to wait for (After), got none");
  }
  internal::CheckResultTypes(*state_, config);
  RuleRecord& record = internal::RecordOf(*state_, config);
  const RuleId id = state_->next_id++;
  auto rule = std::make_unique<Rule>(std::make_shared<const FaultConfig>(std::move(config)), id,
                                     &record, state_->generation,
                                     seed_mix_.load(std::memory_order_relaxed));
  state_->installed.push_back(internal::IndexedRule{id, rule.get()});
  // Armed before it is published: a check may fire it as soon as it is linked.
  const bool sync = rule->config->type() == FaultType::kPause ||
                    rule->config->type() == FaultType::kWait;
  if (sync) state_->sync.Arm(rule->config->name());
  try {
    state_->by_name.emplace(rule->config->name(), rule.get());
    internal::Link(*state_, *rule);
  } catch (...) {
    // Checks may already have seen it on some sites: unlinked and retired, never deleted here.
    if (sync) state_->sync.Release(rule->config->name());
    state_->installed.pop_back();
    internal::Unlink(*state_, *rule.release());
    throw;
  }
  rule.release();
  UpdateArmed();
  return id;
}

bool FaultInjector::RemoveRule(std::string_view name) {
  internal::HarnessLock lock(state_->mutex);
  auto rule = state_->by_name.find(name);
  if (rule == state_->by_name.end()) return false;
  RemoveInstalled(rule->second->id);
  return true;
}

bool FaultInjector::RemoveRule(RuleId id) {
  internal::HarnessLock lock(state_->mutex);
  return RemoveInstalled(id);
}

void FaultInjector::RemoveRules(const std::vector<RuleId>& ids) {
  internal::HarnessLock lock(state_->mutex);
  for (const RuleId id : ids) RemoveInstalled(id);
}

bool FaultInjector::RemoveInstalled(RuleId id) {
  auto& installed = state_->installed;
  auto it = internal::FindById(installed, id);
  if (it == installed.end()) return false;
  Rule* rule = it->rule;
  installed.erase(it);
  // A removed pause or wait must not keep its threads held until their timeout.
  const FaultType type = rule->config->type();
  if (type == FaultType::kPause || type == FaultType::kWait) {
    state_->sync.Release(rule->config->name());
  }
  internal::Unlink(*state_, *rule);
  UpdateArmed();
  return true;
}

bool FaultInjector::EnableRule(std::string_view name, bool enabled) {
  internal::HarnessLock lock(state_->mutex);
  auto named = state_->by_name.find(name);
  if (named == state_->by_name.end()) return false;
  Rule* old = named->second;
  if (old->config->enabled() == enabled) return true;
  // Checks in flight may be reading the old rule, so it is replaced, not changed: the new one
  // keeps its id (its place among the rules), its record and what is left of its budget.
  FaultConfig config = *old->config;
  config.Enabled(enabled);
  auto rule = std::make_unique<Rule>(std::make_shared<const FaultConfig>(std::move(config)),
                                     old->id, old->record, old->generation,
                                     seed_mix_.load(std::memory_order_relaxed));
  rule->limited_triggers.store(old->limited_triggers.load(std::memory_order_relaxed),
                               std::memory_order_relaxed);
  internal::FindById(state_->installed, old->id)->rule = rule.get();
  const auto used = internal::UsedChainCounts(*old);
  internal::Unlink(*state_, *old);
  state_->by_name.emplace(rule->config->name(), rule.get());
  try {
    internal::Link(*state_, *rule);
    internal::RestoreChainCounts(*rule, used);
  } catch (...) {
    // As in AddRule: the rule is gone, and checks may already have seen it.
    state_->installed.erase(internal::FindById(state_->installed, rule->id));
    internal::Unlink(*state_, *rule.release());
    UpdateArmed();
    throw;
  }
  rule.release();
  return true;
}

std::vector<FaultConfig> FaultInjector::Rules() const {
  internal::HarnessLock lock(state_->mutex);
  std::vector<FaultConfig> rules;
  rules.reserve(state_->installed.size());
  for (const internal::IndexedRule& entry : state_->installed) rules.push_back(*entry.rule->config);
  return rules;
}

void FaultInjector::Enable() {
  internal::HarnessLock lock(state_->mutex);
  state_->enabled = true;
  UpdateArmed();
}

void FaultInjector::Disable() {
  internal::HarnessLock lock(state_->mutex);
  state_->enabled = false;
  UpdateArmed();
}

bool FaultInjector::enabled() const {
  internal::HarnessLock lock(state_->mutex);
  return state_->enabled;
}

void FaultInjector::CountCalls(bool on) {
  internal::HarnessLock lock(state_->mutex);
  state_->counting = on;
  UpdateArmed();
}

bool FaultInjector::counting_calls() const {
  internal::HarnessLock lock(state_->mutex);
  return state_->counting;
}

void FaultInjector::Reset() {
  internal::HarnessLock lock(state_->mutex);
  for (const internal::IndexedRule& entry : state_->installed) {
    for (Site* site : entry.rule->sites) {
      internal::Retire(site->rules.exchange(nullptr, std::memory_order_seq_cst));
    }
    internal::Retire(entry.rule);
  }
  state_->installed.clear();
  state_->by_name.clear();
  state_->literal_rules.clear();
  state_->glob_rules.clear();
  internal::Retire(state_->replay.exchange(nullptr, std::memory_order_seq_cst));
  for (Site* site = state_->touched.exchange(nullptr, std::memory_order_acq_rel); site != nullptr;) {
    // Read the link before zeroing: once zero, a check may link the site anew.
    Site* next = site->next_touched.load(std::memory_order_relaxed);
    site->calls.store(0, std::memory_order_release);
    site = next;
  }
  {
    internal::HarnessLock events_lock(state_->events_mutex);
    ++state_->generation;
    state_->events.clear();
    state_->dropped_events = 0;
    state_->next_sequence = 1;
  }
  // Checks in flight may still hold a record (through their rule): retire, do not delete.
  for (auto& record : state_->records) internal::Retire(record.release());
  state_->records.clear();
  state_->records_by_name.clear();
  for (Site* site : state_->typed_sites) site->result_checks.clear();
  state_->typed_sites.clear();
  // After the counters are zeroed: a wait woken here must not see the last test's calls.
  state_->sync.ReleaseAll();
  UpdateArmed();
}

void FaultInjector::SetSeed(std::uint64_t seed) {
  internal::HarnessLock lock(state_->mutex);
  const std::uint64_t seed_mix = internal::SeedMix(seed);
  seed_.store(seed, std::memory_order_relaxed);
  seed_mix_.store(seed_mix, std::memory_order_relaxed);
  for (const internal::IndexedRule& entry : state_->installed) {
    entry.rule->seeded.store(internal::SeededRuleMix(seed_mix, entry.rule->name_hash),
                             std::memory_order_relaxed);
  }
  internal::RefreshQuick(*state_);
}

void FaultInjector::SetClock(Clock* clock) {
  clock_.store(clock != nullptr ? clock : &RealClock::Instance(), std::memory_order_release);
}

void FaultInjector::Replay(Schedule schedule) {
  auto plan = std::make_unique<internal::ReplayPlan>();
  for (const ScheduledFault& fault : schedule) {
    // Site ids are process-wide, so a plan can name sites this injector has not made yet.
    plan->by_site[internal::PointId(fault.target)].push_back(
        internal::ReplayPlan::Entry{fault.call, fault.last_call(), fault.rule});
  }
  // A Schedule is sorted by target then call, so each site's entries are already ascending.
  internal::HarnessLock lock(state_->mutex);
  internal::Retire(state_->replay.exchange(plan.release(), std::memory_order_seq_cst));
  internal::RefreshQuick(*state_);
}

void FaultInjector::StopReplay() {
  internal::HarnessLock lock(state_->mutex);
  internal::Retire(state_->replay.exchange(nullptr, std::memory_order_seq_cst));
  internal::RefreshQuick(*state_);
}

bool FaultInjector::replaying() const {
  return state_->replay.load(std::memory_order_acquire) != nullptr;
}

void FaultInjector::SetEventLimit(std::size_t limit) {
  internal::HarnessLock lock(state_->events_mutex);
  state_->event_limit = limit;
  std::vector<EventRecord>& events = state_->events;
  if (events.size() > limit) events.resize(limit);
  if (events.capacity() > limit) {
    // A large limit set for one test must not stay allocated for every later one.
    std::vector<EventRecord> kept;
    kept.reserve(limit);
    kept.assign(events.begin(), events.end());
    events.swap(kept);
  }
  events.reserve(limit);
}

namespace {
FaultEvent ToEvent(const EventRecord& record) {
  FaultEvent event;
  event.rule = record.rule->name;
  event.type = record.type;
  event.target = record.site->name;
  event.call = record.call;
  event.sequence = record.sequence;
  event.thread = record.thread;
  event.timestamp = record.timestamp;
  if (record.test != nullptr) event.test = *record.test;
  return event;
}
}  // namespace

std::vector<FaultEvent> FaultInjector::Events() const {
  internal::HarnessLock lock(state_->events_mutex);
  std::vector<FaultEvent> events;
  events.reserve(state_->events.size());
  for (const EventRecord& record : state_->events) events.push_back(ToEvent(record));
  return events;
}

HarnessStats FaultInjector::Stats() const {
  HarnessStats stats;
  {
    internal::HarnessLock lock(state_->mutex);
    std::vector<const Site*> called;
    for (const Site* site = state_->touched.load(std::memory_order_acquire); site != nullptr;
         site = site->next_touched.load(std::memory_order_acquire)) {
      const std::uint64_t calls = site->calls.load(std::memory_order_relaxed);
      if (calls == 0) continue;
      called.push_back(site);
      stats.calls_per_target[site->name] = calls;
      stats.total_calls += calls;
    }
    for (const auto& record : state_->records) {
      RuleStats rule_stats;
      rule_stats.name = record->name;
      rule_stats.target = record->target;
      rule_stats.type = record->type;
      rule_stats.probability = record->probability;
      rule_stats.checks = record->checks.load(std::memory_order_relaxed);
      rule_stats.triggers = record->triggers.load(std::memory_order_relaxed);
      for (const Site* site : called) {
        if (internal::GlobMatch(record->target, site->name)) {
          rule_stats.target_calls += site->calls.load(std::memory_order_relaxed);
        }
      }
      stats.faults_per_rule[rule_stats.name] += rule_stats.triggers;
      stats.total_faults += rule_stats.triggers;
      stats.rules.push_back(std::move(rule_stats));
    }
  }
  internal::HarnessLock lock(state_->events_mutex);
  for (const EventRecord& record : state_->events) stats.events.push_back(ToEvent(record));
  stats.dropped_events = state_->dropped_events;
  return stats;
}

std::vector<std::string> FaultInjector::Targets() const {
  internal::HarnessLock lock(state_->mutex);
  std::vector<std::string> targets;
  for (const auto& site : state_->sites) targets.push_back(site->name);
  return targets;
}

Decision FaultInjector::CheckAndInject(std::string_view target) { return Check(Intern(target)); }

void FaultInjector::ExpectResult(Site& site, internal::ResultCheck check) {
  internal::HarnessLock lock(state_->mutex);
  auto& checks = site.result_checks;
  if (std::find(checks.begin(), checks.end(), check) != checks.end()) return;
  if (checks.empty()) state_->typed_sites.push_back(&site);
  checks.push_back(check);
}

Site& FaultInjector::Intern(std::string_view target) {
  return InternId(internal::PointId(std::string(target)));
}

Site& FaultInjector::InternId(std::uint32_t id) {
  internal::HarnessLock lock(state_->mutex);
  std::atomic<Site*>* chunk = site_chunks_[id / kChunkSize].load(std::memory_order_acquire);
  if (chunk == no_sites_) {
    state_->chunks.push_back(std::make_unique<std::atomic<Site*>[]>(kChunkSize));
    chunk = state_->chunks.back().get();
    for (std::size_t i = 0; i < kChunkSize; ++i) chunk[i].store(nullptr, std::memory_order_relaxed);
    site_chunks_[id / kChunkSize].store(chunk, std::memory_order_release);
  }
  if (Site* site = chunk[id % kChunkSize].load(std::memory_order_acquire)) return *site;
  auto site = std::make_unique<Site>();
  {
    internal::PointRegistry& registry = internal::Points();
    internal::HarnessLock points_lock(registry.mutex);
    site->name = *registry.names.at(id);
  }
  site->name_hash = internal::HashName(site->name.data(), site->name.size());
  site->name_mix = internal::Mix64(site->name_hash);
  site->id = id;
  // Owned and indexed before it is visible: a failed allocation must not leave readers a site
  // that nothing owns.
  state_->sites.push_back(std::move(site));
  Site& added = *state_->sites.back();
  state_->sites_by_name.emplace(added.name, &added);
  std::vector<Rule*> rules = internal::MatchingRules(*state_, added);
  for (Rule* rule : rules) {
    rule->sites.push_back(&added);
    internal::AddChainCounts(*rule, {&added});
  }
  internal::Publish(*state_, added, std::move(rules));
  chunk[id % kChunkSize].store(&added, std::memory_order_release);
  return added;
}

namespace internal {
namespace {
// Touch's work, inlined into Decide, where a call would cost it registers.
__attribute__((always_inline)) inline void LinkTouched(InjectorState& state, Site& site) {
  // Reads from the release sequence of Reset's zero (this call's increment continues it), so
  // Reset's read of the old link happens before the link is written anew below.
  static_cast<void>(site.calls.load(std::memory_order_acquire));
  Site* head = state.touched.load(std::memory_order_relaxed);
  do {
    site.next_touched.store(head, std::memory_order_relaxed);
  } while (!state.touched.compare_exchange_weak(head, &site, std::memory_order_release,
                                                std::memory_order_relaxed));
}
}  // namespace
}  // namespace internal

void FaultInjector::Touch(Site& site) { internal::LinkTouched(*state_, site); }

namespace internal {
namespace {
// True when a call about `context` (null: a call with no context) passes the path, size and
// scope filters of `config`. A filter a call cannot answer (no path, no size) rejects it. Out of
// line: only filtered rules pay for it, and inlined its registers would burden every rule.
__attribute__((noinline)) bool PassesFilters(const FaultConfig& config, const CallContext* context) {
  if (config.scoped() && t_only_in_depth == 0) return false;
  if (config.thread() != std::thread::id() && config.thread() != std::this_thread::get_id()) {
    return false;
  }
  if (!config.thread_name().empty()) {
    // The calling thread's own name, read by the kernel call behind it (prctl(PR_GET_NAME) on
    // Linux), not from /proc: only rules with a thread-name filter pay for it.
    char name[64] = {};
    if (pthread_getname_np(pthread_self(), name, sizeof name) != 0 ||
        !GlobMatch(config.thread_name(), name)) {
      return false;
    }
  }
  if (config.size_min() != 0 || config.size_max() != SIZE_MAX) {
    if (context == nullptr || !context->has_size || context->size < config.size_min() ||
        context->size > config.size_max()) {
      return false;
    }
  }
  if (!config.path().empty()) {
    if (context == nullptr) return false;
    const char* path = context->path;
    if (path == nullptr && context->descriptor >= 0) {
      if (DescriptorPathFunction lookup = g_descriptor_path.load(std::memory_order_acquire)) {
        path = lookup(context->descriptor);
      }
    }
    if (path == nullptr || !GlobMatch(config.path(), path)) return false;
  }
  return true;
}
}  // namespace
}  // namespace internal

// Decide runs on every check of a site some rule matches, and mostly decides not to fire. It
// decides itself the outermost check, on a thread with an epoch slot, of a site with one rule
// that has no condition, filter or budget (Rule::quick): a section of the epoch that calls
// nothing but in tail position, which keeps every value in a scratch register. The rest goes
// to DecideFrom.
internal::Fired FaultInjector::Decide(Site& site) {
  internal::EpochSlot* const slot = internal::t_epoch_slot;
  // A thread's first check (no slot yet) and a nested one.
  if (slot->depth != 0) return DecideGeneral(site, nullptr);
  internal::EnterLeafEpoch(*slot);
  const RuleList* rules = site.rules.load(std::memory_order_seq_cst);
  // The ordinal is this value plus one, computed only where it is used.
  const std::uint64_t earlier_calls = site.calls.fetch_add(1, std::memory_order_relaxed);
  if (earlier_calls == 0) internal::LinkTouched(*state_, site);
  if (rules != nullptr) {
    Rule* const rule = rules->quick.load(std::memory_order_relaxed);
    if (rule == nullptr) {
      internal::CountOutermostEpoch(*slot);
      return DecideFrom(rules->begin(), rules->end(), site, earlier_calls + 1, nullptr);
    }
    rule->record->checks.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t threshold = rule->threshold;
    bool fires = threshold != 0;
    // Probabilities 0 and 1 decide without drawing (threshold - 1 wraps at 0).
    if (threshold - 1 < internal::kDrawAlways - 1) {
      const std::uint64_t head = internal::Mix64Head(rules->mix.load(std::memory_order_relaxed) ^
                                                     internal::CallMix(earlier_calls + 1));
      fires = head <= rule->head_bound && internal::DrawFires(head ^ (head >> 31), threshold);
    }
    if (fires) {
      return Fire(*rule, site, earlier_calls + 1, internal::CountOutermostEpoch(*slot));
    }
  }
  internal::ExitLeafEpoch(*slot);
  return {};
}

// Decide for a call with a context, on a thread's first check (which claims its epoch slot),
// and in a check nested in another (a clock or a path lookup calling code with fault points).
__attribute__((noinline)) internal::Fired FaultInjector::DecideGeneral(
    Site& site, const internal::CallContext* context) {
  internal::EpochSlot& slot = internal::EnterEpoch();
  const RuleList* rules = site.rules.load(std::memory_order_seq_cst);
  const std::uint64_t call = site.calls.fetch_add(1, std::memory_order_relaxed) + 1;
  if (call == 1) Touch(site);
  if (rules == nullptr) {
    internal::ExitEpoch(slot);
    return {};
  }
  return DecideFrom(rules->begin(), rules->end(), site, call, context);
}

// Decide's general loop, over the rules of a list from `it` to `end`: conditions, filters,
// draws, MaxTriggers budgets and replay. Inside the calling thread's epoch, which it ends.
__attribute__((noinline)) internal::Fired FaultInjector::DecideFrom(
    Rule* const* it, Rule* const* end, Site& site, std::uint64_t call,
    const internal::CallContext* context) {
  internal::EpochSlot& slot = internal::CurrentEpochSlot();
  const internal::ReplayPlan* plan = state_->replay.load(std::memory_order_seq_cst);
  const std::uint64_t call_mix = internal::CallMix(call);
  for (; it != end; ++it) {
    Rule* const rule = *it;
    if (rule->filtered && !internal::PassesFilters(*rule->config, context)) continue;
    rule->record->checks.fetch_add(1, std::memory_order_relaxed);
    // A chained rule decides by its terms under replay too: a schedule records calls, not the
    // term that fired on each, and its terms replay exactly from the same seed and calls.
    if (plan != nullptr && !rule->chained) {
      if (!plan->Fires(site, call, rule->config->name())) continue;
      return Fire(*rule, site, call, slot);
    }
    if (rule->conditional) {
      if (rule->chained) {
        internal::Fired fired;
        if (DecideChain(*rule, site, call, slot, &fired)) return fired;
        continue;
      }
      if (!rule->config->Qualifies(call)) continue;
    }
    const std::uint64_t threshold = rule->threshold;
    if (threshold == 0) continue;
    if (threshold != internal::kDrawAlways &&
        !internal::DrawFires(
            internal::DecisionBitsSeeded(rule->seeded.load(std::memory_order_relaxed),
                                         site.name_mix, call_mix),
            threshold)) {
      continue;
    }
    const std::uint64_t limit = rule->config->max_triggers();
    if (limit == 0) return Fire(*rule, site, call, slot);
    std::uint64_t fired = rule->limited_triggers.load(std::memory_order_relaxed);
    while (fired < limit && !rule->limited_triggers.compare_exchange_weak(
                                fired, fired + 1, std::memory_order_relaxed)) {
    }
    if (fired < limit) return Fire(*rule, site, call, slot, &rule->limited_triggers);
  }
  internal::ExitEpoch(slot);
  return {};
}

// Out of line, like Fire: only chained rules pay for their terms.
__attribute__((noinline)) bool FaultInjector::DecideChain(Rule& rule, Site& site,
                                                          std::uint64_t call,
                                                          internal::EpochSlot& slot,
                                                          internal::Fired* fired) {
  std::atomic<std::uint64_t>* used = rule.CountsOn(site);
  if (used == nullptr) return false;
  const std::uint64_t seed_mix = seed_mix_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < rule.terms.size(); ++i) {
    const FaultConfig& term = *rule.terms[i];
    const std::uint64_t limit = term.max_triggers();
    if (limit != 0 && used[i].load(std::memory_order_relaxed) >= limit) continue;
    const std::uint64_t threshold = internal::DrawThreshold(term.probability());
    if (threshold == 0) continue;
    // Each term draws on its own stream; the first term's is the rule's own.
    if (threshold != internal::kDrawAlways &&
        !internal::DrawFires(
            internal::DecisionBitsMixed(seed_mix,
                                        rule.name_hash ^ (i == 0 ? 0 : internal::Mix64(i)),
                                        site.name_mix, call),
            threshold)) {
      continue;
    }
    if (limit != 0) {
      std::uint64_t taken = used[i].load(std::memory_order_relaxed);
      while (taken < limit &&
             !used[i].compare_exchange_weak(taken, taken + 1, std::memory_order_relaxed)) {
      }
      // Another thread took the last of this term's count: the call goes on down the chain.
      if (taken >= limit) continue;
    }
    if (term.passes()) return false;
    *fired = Fire(rule, site, call, slot, limit != 0 ? &used[i] : nullptr, i);
    return true;
  }
  return false;
}

namespace {
// The rule this thread fired last, kept alive past the end of the check's epoch until its fault
// is applied (an exception thrown, a delay slept, a value returned): the check's frames then
// hold nothing to destroy, which keeps an exception's unwinding short. A rule's configuration
// must therefore not fire a fault from its destructor (its exception arguments or return value
// are destroyed when a later fault replaces it here).
struct LastFired {
  std::shared_ptr<const FaultConfig> config;
  std::uint64_t stream = 0;  // seeds the corruption of a kReturn or kCorruption decision
};
thread_local LastFired t_fired;
}  // namespace

// Out of line: the loop of Decide, which mostly decides not to fire, stays small.
__attribute__((noinline)) internal::Fired FaultInjector::Fire(Rule& rule, Site& site,
                                                              std::uint64_t call,
                                                              internal::EpochSlot& slot,
                                                              std::atomic<std::uint64_t>* taken,
                                                              std::size_t term) {
  std::shared_ptr<const std::string> test;
  std::chrono::nanoseconds now{0};
  try {
    if (!internal::ClaimFault(rule.config->name(), site.name, &test)) {
      // Not injected: the trigger goes back to the rule's MaxTriggers budget.
      if (taken != nullptr) taken->fetch_sub(1, std::memory_order_relaxed);
      internal::ExitEpoch(slot);
      return internal::Fired{nullptr, call};
    }
    // Before the lock: a clock may call wrapped code, which may fire.
    now = clock().Now();
  } catch (...) {
    internal::ExitEpoch(slot);
    throw;
  }
  const std::shared_ptr<const FaultConfig>& config = term == 0 ? rule.config : rule.terms[term];
  const FaultType type = config->type();
  rule.record->triggers.fetch_add(1, std::memory_order_relaxed);
  {
    internal::HarnessLock lock(state_->events_mutex);
    // A rule installed before the last Reset() fired in a check still in flight: its event
    // belongs to the run that Reset ended.
    if (rule.generation == state_->generation) {
      if (state_->events.size() < state_->event_limit) {
        state_->events.push_back(EventRecord{rule.record, type, &site, call,
                                             state_->next_sequence,
                                             std::this_thread::get_id(), now,
                                             std::move(test)});
      } else {
        ++state_->dropped_events;
      }
      ++state_->next_sequence;
    }
  }
  if (type == FaultType::kReturn || type == FaultType::kCorruption) {
    // Drawn under replay too: the bits seed the decision's corruption, so a replayed
    // corruption is the recorded one.
    t_fired.stream = internal::Mix64(
        internal::DecisionBitsMixed(seed_mix_.load(std::memory_order_relaxed), rule.name_hash,
                                    site.name_mix, call) ^
        0x6a09e667f3bcc909ULL);
  }
  // The config pinned before is destroyed last, outside the epoch.
  std::shared_ptr<const FaultConfig> previous = std::exchange(t_fired.config, config);
  const FaultConfig* fired = config.get();
  internal::ExitEpoch(slot);
  previous.reset();
  return internal::Fired{fired, call};
}

void internal::ThrowInjectedFault(const FaultConfig& rule) {
  throw InjectedFault(rule.name(), rule.message());
}

Decision FaultInjector::Apply(internal::Fired fired, bool raise) {
  // A copy: a custom exception's constructor or a clock may fire another rule on this thread.
  std::shared_ptr<const FaultConfig> config = t_fired.config;
  switch (config->type()) {
    case FaultType::kException:
      if (!raise) return Decision{std::move(config), fired.call, 0};
      config->Throw();
    case FaultType::kTimeout:
      clock().SleepFor(config->delay());
      if (!raise) return Decision{std::move(config), fired.call, 0};
      throw InjectedTimeout(config->name(), config->message());
    case FaultType::kDelay:
      clock().SleepFor(config->delay());
      return {};
    case FaultType::kCorruption:
    case FaultType::kReturn:
      return Decision{std::move(config), fired.call, t_fired.stream};
    case FaultType::kPause:
    case FaultType::kWait:
      Synchronize(*config);
      return {};
  }
  return {};
}

std::size_t FaultInjector::Release(std::string_view name) {
  return state_->sync.Release(std::string(name));
}

bool FaultInjector::WaitForHit(std::string_view target, std::uint64_t n,
                               std::chrono::nanoseconds timeout) {
  if (target.empty() || !internal::IsLiteralGlob(target)) {
    throw std::invalid_argument("faultline: WaitForHit: the target must be an exact name (calls "
                                "are counted per target), got \"" + std::string(target) + "\"");
  }
  Site& site = Intern(target);
  bool timed_out = false;
  const bool reached = state_->sync.WaitUntil(
      [&] { return site.calls.load(std::memory_order_acquire) >= n; }, timeout, timed_out);
  if (timed_out) {
    const std::uint64_t calls = site.calls.load(std::memory_order_relaxed);
    internal::ReportProblem("faultline: WaitForHit(\"" + site.name + "\", " + std::to_string(n) +
                            ") timed out after " + internal::DurationText(timeout) +
                            ": the target was called " + std::to_string(calls) +
                            (calls == 1 ? " time" : " times"));
  }
  return reached;
}

void FaultInjector::Synchronize(const FaultConfig& rule) {
  const std::string where =
      "faultline: rule \"" + rule.name() + "\" on target \"" + rule.target() + "\": ";
  if (rule.type() == FaultType::kPause) {
    if (state_->sync.Hold(rule.name(), rule.delay(), [] { return false; }, false) ==
        internal::SyncPoints::Outcome::kTimedOut) {
      internal::ReportProblem(where + "a thread paused here was not released (Release(\"" +
                              rule.name() + "\")) within " +
                              internal::DurationText(rule.delay()) + "; it went on");
    }
  } else if (rule.type() == FaultType::kWait) {
    Site& after = Intern(rule.after());
    if (state_->sync.Hold(
            rule.name(), rule.delay(),
            [&] { return after.calls.load(std::memory_order_acquire) > 0; },
            true) == internal::SyncPoints::Outcome::kTimedOut) {
      internal::ReportProblem(where + "a thread waited " + internal::DurationText(rule.delay()) +
                              " for a thread to reach \"" + rule.after() +
                              "\", which none did; it went on");
    }
  }
}

Decision FaultInjector::EvaluateArmed(Site& site, const internal::CallContext& context) {
  // As in CheckArmed: a site no rule matches is only counted, without entering an epoch.
  if (site.rules.load(std::memory_order_relaxed) == nullptr) {
    if (site.calls.fetch_add(1, std::memory_order_relaxed) == 0) Touch(site);
    return {};
  }
  const internal::Fired fired = DecideGeneral(site, &context);
  if (fired.rule == nullptr) return {};
  return Decision{t_fired.config, fired.call, t_fired.stream};
}

RuleScope FaultInjector::Scope(std::vector<FaultConfig> rules) {
  std::vector<RuleId> ids;
  ids.reserve(rules.size());
  try {
    for (FaultConfig& rule : rules) ids.push_back(AddRule(std::move(rule)));
  } catch (...) {
    RemoveRules(ids);
    throw;
  }
  return RuleScope(*this, std::move(ids));
}

RuleScope::RuleScope(RuleScope&& other) noexcept
    : injector_(other.injector_), ids_(std::move(other.ids_)) {
  other.injector_ = nullptr;
}

RuleScope::~RuleScope() {
  if (injector_ != nullptr) injector_->RemoveRules(ids_);
}

FaultInjector* SetCurrent(FaultInjector* injector) {
  FaultInjector& fallback = internal::DefaultInjector();
  internal::HarnessLock lock(internal::CurrentMutex());
  FaultInjector* previous = internal::g_current.load(std::memory_order_relaxed);
  FaultInjector* next = injector != nullptr ? injector : &fallback;
  internal::g_current.store(next, std::memory_order_release);
  internal::g_current_armed.store(next->armed(), std::memory_order_release);
  return previous;
}

}  // namespace faultline
