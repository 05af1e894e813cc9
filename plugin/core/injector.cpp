#include "faultline/injector.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <unordered_map>

#include "glob.hpp"

namespace faultline {
namespace internal {

std::atomic<FaultInjector*> g_current{nullptr};
std::atomic<bool> g_current_armed{false};

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
  std::lock_guard<std::mutex> lock(registry.mutex);
  if (registry.ids.size() >= kMaxTargets && registry.ids.count(name) == 0) {
    throw std::length_error("faultline: target \"" + name + "\": a process may use at most " +
                            std::to_string(kMaxTargets) + " distinct target names");
  }
  auto [it, inserted] =
      registry.ids.emplace(name, static_cast<std::uint32_t>(registry.ids.size()));
  if (inserted) registry.names.push_back(&it->first);
  return it->second;
}

FaultInjector& DefaultInjector() {
  static FaultInjector* injector = [] {
    auto* created = new FaultInjector(kDefaultSeed);  // leaked: fault points outlive main
    FaultInjector* expected = nullptr;
    g_current.compare_exchange_strong(expected, created);
    return created;
  }();
  return *injector;
}

std::string Demangle(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string result = (status == 0 && name != nullptr) ? name : type.name();
  std::free(name);
  // The standard library's own spelling is noise in an error message.
  const std::string long_string =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (std::size_t at; (at = result.find(long_string)) != std::string::npos;) {
    result.replace(at, long_string.size(), "std::string");
  }
  return result;
}

void ThrowReturnMismatch(const FaultConfig& rule, const Site& site,
                         const std::string& result_type) {
  throw std::logic_error("faultline: rule \"" + rule.name() + "\" on target \"" + site.name +
                         "\": its return value of type " +
                         (rule.return_type_name().empty() ? std::string("<none>")
                                                          : rule.return_type_name()) +
                         " cannot become the result type " + result_type);
}

void ThrowNotCorruptible(const FaultConfig& rule, const Site& site,
                         const std::string& result_type) {
  throw std::logic_error("faultline: rule \"" + rule.name() + "\" on target \"" + site.name +
                         "\": cannot corrupt a result of type " + result_type +
                         " (specialize faultline::Corruptor<T> for it)");
}

// One installed (or once installed) rule. Never freed before its injector: hot-path readers
// may still hold a RuleList that points to it.
struct alignas(64) Rule {
  Rule(FaultConfig c, RuleId rule_id)
      : config(std::move(c)),
        name_hash(HashName(config.name().data(), config.name().size())),
        id(rule_id) {}
  const FaultConfig config;
  const std::uint64_t name_hash;
  const RuleId id;
  // Every check of a matching site writes these: they own a cache line, so that a neighbouring
  // allocation another thread reads on its hot path (a site's rule list, another rule) never
  // shares it.
  alignas(64) std::atomic<std::uint64_t> checks{0};
  std::atomic<std::uint64_t> triggers{0};
};

struct EventRecord {
  const Rule* rule;
  const Site* site;
  std::uint64_t call;
  std::uint64_t sequence;
  std::thread::id thread;
  std::chrono::nanoseconds timestamp;
};

// A published schedule, indexed for Decide: per process-wide site id, the scheduled calls in
// ascending order with the rule that fires on each. Immutable once published.
struct ReplayPlan {
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::uint64_t, std::string>>> by_site;

  // True when `rule` is scheduled for call `call` of `site`.
  bool Fires(const Site& site, std::uint64_t call, const std::string& rule) const {
    auto it = by_site.find(site.id);
    if (it == by_site.end()) return false;
    auto at = std::lower_bound(it->second.begin(), it->second.end(), call,
                               [](const auto& entry, std::uint64_t c) { return entry.first < c; });
    return at != it->second.end() && at->first == call && at->second == rule;
  }
};

struct InjectorState {
  // Guards everything below except the event log.
  mutable std::mutex mutex;
  bool enabled = true;
  RuleId next_id = 1;
  std::vector<Rule*> installed;  // in insertion order
  // Ownership of every rule, list and site ever made; freed with the injector, because
  // lock-free readers may still see them after they are replaced.
  std::deque<std::unique_ptr<Rule>> rules;
  std::size_t stats_begin = 0;  // index in `rules` of the first rule added since Reset()
  std::deque<std::unique_ptr<RuleList>> lists;
  std::deque<std::unique_ptr<Site>> sites;
  std::deque<std::unique_ptr<std::atomic<Site*>[]>> chunks;

  // The schedule being replayed, or null; Decide's one extra load. Plans are owned by `plans`
  // until the injector dies, because a Decide in flight may still read a replaced one.
  std::atomic<const ReplayPlan*> replay{nullptr};
  std::deque<std::unique_ptr<ReplayPlan>> plans;

  mutable std::mutex events_mutex;
  std::vector<EventRecord> events;  // reserved to event_limit
  std::size_t event_limit = 10000;
  std::uint64_t dropped_events = 0;
  std::uint64_t next_sequence = 1;
};

namespace {
bool Matches(const Rule& rule, const Site& site) {
  return rule.config.enabled() && GlobMatch(rule.config.target(), site.name);
}
}  // namespace

}  // namespace internal

using internal::EventRecord;
using internal::Rule;
using internal::RuleList;
using internal::Site;

FaultInjector::FaultInjector(std::uint64_t seed)
    : seed_(seed), clock_(&RealClock::Instance()), state_(new internal::InjectorState()) {
  state_->events.reserve(state_->event_limit);
}

FaultInjector::~FaultInjector() {
  FaultInjector& fallback = internal::DefaultInjector();
  std::lock_guard<std::mutex> lock(internal::CurrentMutex());
  FaultInjector* self = this;
  if (internal::g_current.compare_exchange_strong(self, &fallback)) {
    internal::g_current_armed.store(fallback.armed(), std::memory_order_relaxed);
  }
}

namespace {
// Publishes the rule list of one site from the installed rules. Caller holds the mutex.
void Resolve(internal::InjectorState& state, Site& site) {
  auto list = std::make_unique<RuleList>();
  for (Rule* rule : state.installed) {
    if (internal::Matches(*rule, site)) list->rules.push_back(rule);
  }
  if (list->rules.empty()) {
    site.rules.store(nullptr, std::memory_order_release);
    return;
  }
  // Lists are never freed before the injector, so publish only those that changed.
  const RuleList* current = site.rules.load(std::memory_order_relaxed);
  if (current != nullptr && current->rules == list->rules) return;
  // Owned before it is visible: a failed push_back must not free what readers can see.
  state.lists.push_back(std::move(list));
  site.rules.store(state.lists.back().get(), std::memory_order_release);
}
}  // namespace

// Re-resolves every site and the armed flags after a rule change. Caller holds the mutex.
void FaultInjector::Republish() {
  for (auto& site : state_->sites) Resolve(*state_, *site);
  const bool armed = state_->enabled && !state_->installed.empty();
  armed_.store(armed, std::memory_order_relaxed);
  std::lock_guard<std::mutex> current_lock(internal::CurrentMutex());
  if (internal::g_current.load(std::memory_order_relaxed) == this) {
    internal::g_current_armed.store(armed, std::memory_order_relaxed);
  }
}

RuleId FaultInjector::AddRule(FaultConfig rule) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (const Rule* installed : state_->installed) {
    if (installed->config.name() == rule.name()) {
      throw std::invalid_argument("faultline: rule \"" + rule.name() +
                                  "\": a rule with this name is already installed");
    }
  }
  const RuleId id = state_->next_id++;
  state_->rules.push_back(std::make_unique<Rule>(std::move(rule), id));
  state_->installed.push_back(state_->rules.back().get());
  Republish();
  return id;
}

bool FaultInjector::RemoveRule(std::string_view name) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = std::find_if(state_->installed.begin(), state_->installed.end(),
                         [&](const Rule* rule) { return rule->config.name() == name; });
  if (it == state_->installed.end()) return false;
  state_->installed.erase(it);
  Republish();
  return true;
}

bool FaultInjector::RemoveRule(RuleId id) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = std::find_if(state_->installed.begin(), state_->installed.end(),
                         [&](const Rule* rule) { return rule->id == id; });
  if (it == state_->installed.end()) return false;
  state_->installed.erase(it);
  Republish();
  return true;
}

void FaultInjector::RemoveRules(const std::vector<RuleId>& ids) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto& installed = state_->installed;
  installed.erase(std::remove_if(installed.begin(), installed.end(),
                                 [&](Rule* rule) {
                                   return std::find(ids.begin(), ids.end(), rule->id) !=
                                          ids.end();
                                 }),
                  installed.end());
  Republish();
}

std::vector<FaultConfig> FaultInjector::Rules() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::vector<FaultConfig> rules;
  for (const Rule* rule : state_->installed) rules.push_back(rule->config);
  return rules;
}

void FaultInjector::Enable() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->enabled = true;
  Republish();
}

void FaultInjector::Disable() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->enabled = false;
  Republish();
}

bool FaultInjector::enabled() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->enabled;
}

void FaultInjector::Reset() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->installed.clear();
  state_->stats_begin = state_->rules.size();
  for (auto& site : state_->sites) site->calls.store(0, std::memory_order_relaxed);
  state_->replay.store(nullptr, std::memory_order_release);
  {
    std::lock_guard<std::mutex> events_lock(state_->events_mutex);
    state_->events.clear();
    state_->dropped_events = 0;
    state_->next_sequence = 1;
  }
  Republish();
}

void FaultInjector::SetSeed(std::uint64_t seed) { seed_.store(seed, std::memory_order_relaxed); }

void FaultInjector::SetClock(Clock* clock) {
  clock_.store(clock != nullptr ? clock : &RealClock::Instance(), std::memory_order_release);
}

void FaultInjector::Replay(Schedule schedule) {
  auto plan = std::make_unique<internal::ReplayPlan>();
  for (const ScheduledFault& fault : schedule) {
    // Site ids are process-wide, so a plan can name sites this injector has not made yet.
    plan->by_site[internal::PointId(fault.target)].emplace_back(fault.call, fault.rule);
  }
  // A Schedule is sorted by target then call, so each site's entries are already ascending.
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->plans.push_back(std::move(plan));
  state_->replay.store(state_->plans.back().get(), std::memory_order_release);
}

void FaultInjector::StopReplay() { state_->replay.store(nullptr, std::memory_order_release); }

bool FaultInjector::replaying() const {
  return state_->replay.load(std::memory_order_acquire) != nullptr;
}

void FaultInjector::SetEventLimit(std::size_t limit) {
  std::lock_guard<std::mutex> lock(state_->events_mutex);
  state_->event_limit = limit;
  if (state_->events.size() > limit) state_->events.resize(limit);
  state_->events.reserve(limit);
}

namespace {
FaultEvent ToEvent(const EventRecord& record) {
  FaultEvent event;
  event.rule = record.rule->config.name();
  event.type = record.rule->config.type();
  event.target = record.site->name;
  event.call = record.call;
  event.sequence = record.sequence;
  event.thread = record.thread;
  event.timestamp = record.timestamp;
  return event;
}
}  // namespace

std::vector<FaultEvent> FaultInjector::Events() const {
  std::lock_guard<std::mutex> lock(state_->events_mutex);
  std::vector<FaultEvent> events;
  events.reserve(state_->events.size());
  for (const EventRecord& record : state_->events) events.push_back(ToEvent(record));
  return events;
}

HarnessStats FaultInjector::Stats() const {
  HarnessStats stats;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    for (const auto& site : state_->sites) {
      const std::uint64_t calls = site->calls.load(std::memory_order_relaxed);
      if (calls == 0) continue;
      stats.calls_per_target[site->name] = calls;
      stats.total_calls += calls;
    }
    for (std::size_t i = state_->stats_begin; i < state_->rules.size(); ++i) {
      const Rule& rule = *state_->rules[i];
      RuleStats rule_stats;
      rule_stats.name = rule.config.name();
      rule_stats.target = rule.config.target();
      rule_stats.type = rule.config.type();
      rule_stats.probability = rule.config.probability();
      rule_stats.checks = rule.checks.load(std::memory_order_relaxed);
      for (const auto& site : state_->sites) {
        if (internal::GlobMatch(rule.config.target(), site->name)) {
          rule_stats.target_calls += site->calls.load(std::memory_order_relaxed);
        }
      }
      rule_stats.triggers = rule.triggers.load(std::memory_order_relaxed);
      stats.faults_per_rule[rule_stats.name] += rule_stats.triggers;
      stats.total_faults += rule_stats.triggers;
      stats.rules.push_back(std::move(rule_stats));
    }
  }
  std::lock_guard<std::mutex> lock(state_->events_mutex);
  for (const EventRecord& record : state_->events) stats.events.push_back(ToEvent(record));
  stats.dropped_events = state_->dropped_events;
  return stats;
}

std::vector<std::string> FaultInjector::Targets() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::vector<std::string> targets;
  for (const auto& site : state_->sites) targets.push_back(site->name);
  return targets;
}

Decision FaultInjector::CheckAndInject(std::string_view target) { return Check(Intern(target)); }

Site& FaultInjector::Intern(std::string_view target) {
  return InternId(internal::PointId(std::string(target)));
}

Site& FaultInjector::InternId(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  std::atomic<Site*>* chunk = site_chunks_[id / kChunkSize].load(std::memory_order_acquire);
  if (chunk == nullptr) {
    state_->chunks.push_back(std::make_unique<std::atomic<Site*>[]>(kChunkSize));
    chunk = state_->chunks.back().get();
    for (std::size_t i = 0; i < kChunkSize; ++i) chunk[i].store(nullptr, std::memory_order_relaxed);
    site_chunks_[id / kChunkSize].store(chunk, std::memory_order_release);
  }
  if (Site* site = chunk[id % kChunkSize].load(std::memory_order_acquire)) return *site;
  auto site = std::make_unique<Site>();
  {
    internal::PointRegistry& registry = internal::Points();
    std::lock_guard<std::mutex> points_lock(registry.mutex);
    site->name = *registry.names.at(id);
  }
  site->name_hash = internal::HashName(site->name.data(), site->name.size());
  site->id = id;
  Resolve(*state_, *site);
  state_->sites.push_back(std::move(site));
  chunk[id % kChunkSize].store(state_->sites.back().get(), std::memory_order_release);
  return *state_->sites.back();
}

Decision FaultInjector::Decide(Site& site, const RuleList& rules) {
  const std::uint64_t call = site.calls.fetch_add(1, std::memory_order_relaxed) + 1;
  const std::uint64_t seed = seed_.load(std::memory_order_relaxed);
  const internal::ReplayPlan* plan = state_->replay.load(std::memory_order_acquire);
  for (Rule* rule : rules.rules) {
    rule->checks.fetch_add(1, std::memory_order_relaxed);
    const FaultConfig& config = rule->config;
    std::uint64_t bits = 0;
    if (plan != nullptr) {
      if (!plan->Fires(site, call, config.name())) continue;
      // Drawn under replay too: the bits seed the decision's corruption, so a replayed
      // corruption is the recorded one.
      bits = internal::DecisionBits(seed, rule->name_hash, site.name_hash, call);
      rule->triggers.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (!config.Qualifies(call)) continue;
      bits = internal::DecisionBits(seed, rule->name_hash, site.name_hash, call);
      if (!(internal::UnitInterval(bits) < config.probability())) continue;
      if (config.max_triggers() != 0) {
        std::uint64_t fired = rule->triggers.load(std::memory_order_relaxed);
        do {
          if (fired >= config.max_triggers()) break;
        } while (!rule->triggers.compare_exchange_weak(fired, fired + 1,
                                                        std::memory_order_relaxed));
        if (fired >= config.max_triggers()) continue;
      } else {
        rule->triggers.fetch_add(1, std::memory_order_relaxed);
      }
    }

    Clock& time = clock();
    {
      std::lock_guard<std::mutex> lock(state_->events_mutex);
      if (state_->events.size() < state_->event_limit) {
        state_->events.push_back(EventRecord{rule, &site, call, state_->next_sequence,
                                             std::this_thread::get_id(), time.Now()});
      } else {
        ++state_->dropped_events;
      }
      ++state_->next_sequence;
    }

    switch (config.type()) {
      case FaultType::kException:
        config.Throw();
      case FaultType::kTimeout:
        time.SleepFor(config.delay());
        throw InjectedTimeout(config.name(), config.message());
      case FaultType::kDelay:
        time.SleepFor(config.delay());
        return {};
      case FaultType::kCorruption:
      case FaultType::kReturn:
        return Decision{&config, call, internal::Mix64(bits ^ 0x6a09e667f3bcc909ULL)};
    }
  }
  return {};
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
  std::lock_guard<std::mutex> lock(internal::CurrentMutex());
  FaultInjector* previous = internal::g_current.load(std::memory_order_relaxed);
  FaultInjector* next = injector != nullptr ? injector : &fallback;
  internal::g_current.store(next, std::memory_order_release);
  internal::g_current_armed.store(next->armed(), std::memory_order_relaxed);
  return previous;
}

}  // namespace faultline
