#include "report.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace faultline {
namespace report {
namespace {

constexpr const char* kFormat = "faultline-report";
constexpr int kVersion = 1;

// Reads the members of one JSON object of a report, naming the file and position in errors.
class Reader {
 public:
  Reader(const std::string& source, const Json& object, const std::string& what)
      : source_(source), object_(object) {
    if (object.kind != Json::Kind::kObject) Fail(object, "expected " + what + " (an object)");
  }

  [[noreturn]] void Fail(const Json& at, const std::string& expected) const {
    std::string got = at.KindName();
    if (at.kind == Json::Kind::kString) got += " \"" + at.text + "\"";
    if (at.kind == Json::Kind::kNumber) got = at.text;
    throw ReportError(source_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                      ": " + expected + ", got " + got);
  }

  const Json* Optional(const std::string& key) const { return object_.Find(key); }

  const Json& Required(const std::string& key) const {
    const Json* value = object_.Find(key);
    if (value == nullptr) {
      throw ReportError(source_ + ":" + std::to_string(object_.line) + ":" +
                        std::to_string(object_.column) + ": expected a member \"" + key +
                        "\" in this object");
    }
    return *value;
  }

  std::uint64_t Unsigned(const Json& value, const std::string& key) const {
    const std::string expected = "expected an unsigned integer as \"" + key + "\"";
    if (value.kind != Json::Kind::kNumber ||
        value.text.find_first_not_of("0123456789") != std::string::npos || value.text.size() > 20) {
      Fail(value, expected);
    }
    errno = 0;
    const unsigned long long number = std::strtoull(value.text.c_str(), nullptr, 10);
    if (errno == ERANGE) Fail(value, expected + " below 2^64");
    return number;
  }
  std::uint64_t Unsigned(const std::string& key) const { return Unsigned(Required(key), key); }
  std::uint64_t Unsigned(const std::string& key, std::uint64_t otherwise) const {
    const Json* value = Optional(key);
    return value == nullptr ? otherwise : Unsigned(*value, key);
  }

  std::string String(const Json& value, const std::string& key) const {
    if (value.kind != Json::Kind::kString) Fail(value, "expected a string as \"" + key + "\"");
    return value.text;
  }
  std::string String(const std::string& key) const { return String(Required(key), key); }
  std::string String(const std::string& key, const std::string& otherwise) const {
    const Json* value = Optional(key);
    return value == nullptr ? otherwise : String(*value, key);
  }

  bool Bool(const std::string& key) const {
    const Json& value = Required(key);
    if (value.kind != Json::Kind::kBool) Fail(value, "expected true or false as \"" + key + "\"");
    return value.boolean;
  }

  const std::vector<Json>& Array(const std::string& key) const {
    const Json& value = Required(key);
    if (value.kind != Json::Kind::kArray) Fail(value, "expected an array as \"" + key + "\"");
    return value.items;
  }

  const std::string& source() const { return source_; }

 private:
  const std::string& source_;
  const Json& object_;
};

TargetTotals ReadTarget(const std::string& source, const Json& json) {
  const Reader reader(source, json, "a target");
  TargetTotals target;
  target.target = reader.String("target");
  target.calls = reader.Unsigned("calls");
  target.faulted = reader.Unsigned("faulted");
  target.max_call = reader.Unsigned("max_call");
  const Json& ordinals = reader.Required("ordinals");
  const std::uint64_t step = reader.Unsigned("ordinal_step");
  try {
    target.ordinals = internal::OrdinalSet::Parse(reader.String(ordinals, "ordinals"), step);
  } catch (const std::invalid_argument& error) {
    reader.Fail(ordinals, std::string(error.what()) + " in \"ordinals\" (with ordinal_step " +
                              std::to_string(step) + ")");
  }
  if (internal::OrdinalSet::StepFor(target.max_call) != step) {
    reader.Fail(reader.Required("ordinal_step"),
                "expected ordinal_step " +
                    std::to_string(internal::OrdinalSet::StepFor(target.max_call)) +
                    " for max_call " + std::to_string(target.max_call));
  }
  return target;
}

Failure ReadFailure(const std::string& source, const Json& json) {
  const Reader reader(source, json, "a failure");
  Failure failure;
  failure.kind = reader.String("kind");
  failure.campaign = reader.Unsigned("campaign");
  failure.run = reader.Unsigned("run");
  failure.seed = reader.Unsigned("seed");
  failure.schedule = reader.String("schedule");
  failure.flaky = reader.Bool("flaky");
  failure.message = reader.String("message", "");
  failure.replay = reader.String("replay", "");
  return failure;
}

TestReport ReadTest(const std::string& source, const Json& json) {
  const Reader reader(source, json, "a test");
  TestReport test;
  test.name = reader.String("name");
  test.seed = reader.Unsigned("seed");
  test.failed = reader.Bool("failed");
  test.rules = reader.Required("rules");
  if (test.rules.kind != Json::Kind::kArray)
    reader.Fail(test.rules, "expected an array as \"rules\"");
  test.events = reader.Required("events");
  if (test.events.kind != Json::Kind::kArray) {
    reader.Fail(test.events, "expected an array as \"events\"");
  }
  test.dropped_events = reader.Unsigned("dropped_events", 0);
  if (const Json* notes = reader.Optional("notes")) {
    if (notes->kind != Json::Kind::kArray) reader.Fail(*notes, "expected an array as \"notes\"");
    for (const Json& note : notes->items) test.notes.push_back(reader.String(note, "notes"));
  }
  if (const Json* exploration = reader.Optional("exploration")) {
    if (exploration->kind != Json::Kind::kObject) {
      reader.Fail(*exploration, "expected an object as \"exploration\"");
    }
    test.exploration = *exploration;
  }
  test.runs = reader.Unsigned("runs");
  test.unrecorded_faults = reader.Unsigned("unrecorded_faults", 0);
  for (const Json& target : reader.Array("targets"))
    test.targets.push_back(ReadTarget(source, target));
  for (const Json& failure : reader.Array("failures")) {
    test.failures.push_back(ReadFailure(source, failure));
  }
  test.replay = reader.String("replay", "");
  return test;
}

bool Earlier(const Failure& a, const Failure& b) {
  return std::tie(a.campaign, a.run, a.seed) < std::tie(b.campaign, b.run, b.seed);
}

// Adds `from` to `into`, both of one test.
void MergeTest(TestReport& into, const TestReport& from) {
  // The per-run fields describe one run: that of the earliest failure, as in one process that
  // stops at its first failure.
  const bool take_from =
      !from.failures.empty() &&
      (into.failures.empty() || Earlier(from.failures.front(), into.failures.front()));
  if (take_from) {
    into.seed = from.seed;
    into.rules = from.rules;
    into.events = from.events;
    into.dropped_events = from.dropped_events;
    into.exploration = from.exploration;
    into.replay = from.replay;
  }
  into.failed = into.failed || from.failed;
  for (const std::string& note : from.notes) {
    if (std::find(into.notes.begin(), into.notes.end(), note) == into.notes.end()) {
      into.notes.push_back(note);
    }
  }
  into.runs += from.runs;
  into.unrecorded_faults += from.unrecorded_faults;
  for (const TargetTotals& target : from.targets) {
    auto it = std::find_if(into.targets.begin(), into.targets.end(),
                           [&](const TargetTotals& t) { return t.target == target.target; });
    if (it == into.targets.end()) {
      into.targets.push_back(target);
      continue;
    }
    it->calls += target.calls;
    it->faulted += target.faulted;
    it->max_call = std::max(it->max_call, target.max_call);
    it->ordinals.Union(target.ordinals);
    it->ordinals.Coarsen(internal::OrdinalSet::StepFor(it->max_call));
  }
  std::sort(into.targets.begin(), into.targets.end(),
            [](const TargetTotals& a, const TargetTotals& b) { return a.target < b.target; });
  into.failures.insert(into.failures.end(), from.failures.begin(), from.failures.end());
  std::stable_sort(into.failures.begin(), into.failures.end(), Earlier);
}

}  // namespace

Report ReadReport(const std::string& text, const std::string& source) {
  const Json json = ParseJson(text, source);
  const Reader reader(source, json, "a faultline report");
  const Json* format = reader.Optional("format");
  if (format == nullptr) {
    throw ReportError(source + ":" + std::to_string(json.line) + ":" + std::to_string(json.column) +
                      ": expected \"format\": \"" + kFormat +
                      "\" in this object (a report written by --faultline_report)");
  }
  if (reader.String(*format, "format") != kFormat) {
    reader.Fail(*format, std::string("expected \"") + kFormat + "\" as \"format\"");
  }
  const Json& version = reader.Required("version");
  if (reader.Unsigned(version, "version") != std::uint64_t{kVersion}) {
    reader.Fail(version, "expected version " + std::to_string(kVersion) +
                             " (the report format this faultline-report reads)");
  }
  Report report;
  report.global_seed = reader.Unsigned("global_seed");
  for (const Json& test : reader.Array("tests")) report.tests.push_back(ReadTest(source, test));
  return report;
}

Report LoadReport(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ReportError(path + ": cannot read: " + std::strerror(errno) +
                      " (expected a report written by --faultline_report)");
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw ReportError(path + ": cannot read: " + std::strerror(errno));
  return ReadReport(text.str(), path);
}

Report Merge(const std::vector<Report>& reports) {
  Report merged;
  if (!reports.empty()) merged.global_seed = reports.front().global_seed;
  std::map<std::string, TestReport> tests;
  for (const Report& report : reports) {
    for (const TestReport& test : report.tests) {
      auto [it, fresh] = tests.emplace(test.name, test);
      if (!fresh) {
        MergeTest(it->second, test);
      } else {
        // Normalized as a merge would leave it, so that a report merged alone is canonical.
        TestReport& added = it->second;
        std::sort(added.targets.begin(), added.targets.end(),
                  [](const TargetTotals& a, const TargetTotals& b) { return a.target < b.target; });
        std::stable_sort(added.failures.begin(), added.failures.end(), Earlier);
      }
    }
  }
  for (auto& [name, test] : tests) merged.tests.push_back(std::move(test));
  return merged;
}

std::string ToJson(const Report& report) {
  std::ostringstream out;
  out << "{\n  \"format\": \"" << kFormat << "\", \"version\": " << kVersion
      << ",\n  \"global_seed\": " << report.global_seed << ",\n  \"tests\": [";
  for (std::size_t i = 0; i < report.tests.size(); ++i) {
    const TestReport& test = report.tests[i];
    out << (i == 0 ? "" : ",") << "\n    {\"name\": " << Quote(test.name)
        << ", \"seed\": " << test.seed << ", \"failed\": " << (test.failed ? "true" : "false")
        << ",\n     \"rules\": " << ToText(test.rules)
        << ",\n     \"events\": " << ToText(test.events)
        << ", \"dropped_events\": " << test.dropped_events;
    if (!test.notes.empty()) {
      out << ",\n     \"notes\": [";
      for (std::size_t n = 0; n < test.notes.size(); ++n)
        out << (n == 0 ? "" : ", ") << Quote(test.notes[n]);
      out << "]";
    }
    if (test.exploration.kind == Json::Kind::kObject) {
      out << ",\n     \"exploration\": " << ToText(test.exploration);
    }
    out << ",\n     \"runs\": " << test.runs
        << ", \"unrecorded_faults\": " << test.unrecorded_faults << ",\n     \"targets\": [";
    for (std::size_t t = 0; t < test.targets.size(); ++t) {
      const TargetTotals& target = test.targets[t];
      out << (t == 0 ? "" : ",\n       ") << "{\"target\": " << Quote(target.target)
          << ", \"calls\": " << target.calls << ", \"faulted\": " << target.faulted
          << ", \"max_call\": " << target.max_call
          << ", \"ordinals\": " << Quote(target.ordinals.ToString(target.max_call))
          << ", \"ordinal_step\": " << target.ordinals.step() << "}";
    }
    out << "],\n     \"failures\": [";
    for (std::size_t f = 0; f < test.failures.size(); ++f) {
      const Failure& failure = test.failures[f];
      out << (f == 0 ? "" : ",\n       ") << "{\"kind\": " << Quote(failure.kind)
          << ", \"campaign\": " << failure.campaign << ", \"run\": " << failure.run
          << ", \"seed\": " << failure.seed << ", \"schedule\": " << Quote(failure.schedule)
          << ", \"flaky\": " << (failure.flaky ? "true" : "false")
          << ", \"message\": " << Quote(failure.message)
          << ", \"replay\": " << Quote(failure.replay) << "}";
    }
    out << "]";
    if (!test.replay.empty()) out << ", \"replay\": " << Quote(test.replay);
    out << "}";
  }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace report
}  // namespace faultline
