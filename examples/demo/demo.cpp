#include "demo.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>
#include <string>

namespace demo {
namespace {

std::string Show(const faultline::Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "\"" + v + "\"";
        } else {
          std::ostringstream text;
          text << v;
          return text.str();
        }
      },
      value);
}

}  // namespace

DemoResult RunDemo(unsigned long long seed, std::ostream& out) {
  using namespace std::chrono_literals;
  faultline::FaultInjector injector(seed);
  injector.AddRule(faultline::Exception("api-error").Target("call_api").Probability(0.3));
  injector.AddRule(faultline::Delay("db-delay", 10ms).Target("query_db").Probability(0.2));

  auto call_api = injector.Wrap("call_api", [](int request) { return request * 2; });
  auto query_db = injector.Wrap("query_db", [](int key) { return "row-" + std::to_string(key); });

  DemoResult result;
  for (int i = 0; i < 20; ++i) {
    try {
      call_api(i);
    } catch (const faultline::InjectedFault&) {
      ++result.api_failures;
    }
    query_db(i);
  }

  result.original = {{"id", std::int64_t{1001}},
                     {"name", std::string("Alice")},
                     {"active", true},
                     {"balance", 250.75},
                     {"note", nullptr}};
  faultline::Rng rng(seed);
  result.corrupted = faultline::CorruptData(result.original, 0.5, rng);
  result.stats = injector.Stats();

  out << "faultline demo (seed " << seed << ")\n\n";
  out << std::left << std::setw(12) << "rule" << std::setw(11) << "type" << std::setw(10)
      << "target" << std::right << std::setw(6) << "calls" << std::setw(10) << "triggers"
      << std::setw(12) << "configured" << std::setw(10) << "observed" << "\n";
  for (const faultline::RuleStats& rule : result.stats.rules) {
    out << std::left << std::setw(12) << rule.name << std::setw(11)
        << faultline::ToString(rule.type) << std::setw(10) << rule.target << std::right
        << std::setw(6) << rule.checks << std::setw(10) << rule.triggers << std::fixed
        << std::setprecision(2) << std::setw(12) << rule.probability << std::setw(10)
        << rule.observed_rate() << "\n";
  }
  out << "\nfault events (" << result.stats.events.size() << "):\n";
  for (const faultline::FaultEvent& event : result.stats.events) {
    out << "  #" << std::setw(2) << event.sequence << "  " << std::left << std::setw(10)
        << event.rule << std::setw(11) << faultline::ToString(event.type) << event.target
        << " call " << event.call << std::right << "\n";
  }
  out << "\ncall_api failures caught: " << result.api_failures << " of 20\n";
  out << "\ncorruption (rate 0.5, seed " << seed << "):\n";
  out << "  " << std::left << std::setw(10) << "field" << std::setw(14) << "original"
      << "corrupted\n";
  for (const auto& [field, value] : result.original) {
    const faultline::Value& after = result.corrupted.at(field);
    out << "  " << std::setw(10) << field << std::setw(14) << Show(value) << std::setw(14)
        << Show(after) << (after == value ? "" : "<- corrupted") << "\n";
  }
  out << std::right;
  return result;
}

}  // namespace demo
