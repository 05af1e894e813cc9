#include <algorithm>
#include <map>
#include <sstream>

#include "report.hpp"

namespace faultline {
namespace report {
namespace {

// A timeline with more rows than this is cut, saying how many were left out.
constexpr std::size_t kMaxTimelineRows = 40;
// A "tests" cell lists at most this many names.
constexpr std::size_t kMaxTestNames = 12;

std::string Escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A target over every test that reached it.
struct TargetView {
  std::uint64_t calls = 0;
  std::uint64_t faulted = 0;
  std::uint64_t max_call = 0;
  internal::OrdinalSet ordinals;
  std::vector<std::string> tests;
};

std::map<std::string, TargetView> Targets(const Report& report) {
  std::map<std::string, TargetView> targets;
  for (const TestReport& test : report.tests) {
    for (const TargetTotals& target : test.targets) {
      TargetView& view = targets[target.target];
      view.calls += target.calls;
      view.faulted += target.faulted;
      view.max_call = std::max(view.max_call, target.max_call);
      view.ordinals.Union(target.ordinals);
      view.ordinals.Coarsen(internal::OrdinalSet::StepFor(view.max_call));
      view.tests.push_back(test.name);
    }
  }
  return targets;
}

std::string TestNames(const std::vector<std::string>& tests) {
  std::string out;
  for (std::size_t i = 0; i < tests.size() && i < kMaxTestNames; ++i) {
    out += (i == 0 ? "" : ", ") + Escape(tests[i]);
  }
  if (tests.size() > kMaxTestNames) {
    out += " and " + std::to_string(tests.size() - kMaxTestNames) + " more";
  }
  return out;
}

std::string Ordinals(const internal::OrdinalSet& ordinals, std::uint64_t max_call) {
  if (ordinals.empty()) return "none";
  std::string text = Escape(ordinals.ToString(max_call));
  if (ordinals.step() > 1) {
    text +=
        " <span class=\"note\">(in blocks of " + std::to_string(ordinals.step()) + " calls)</span>";
  }
  return text;
}

// One row per target: its calls of a run as a bar, the faulted ordinals marked on it.
std::string Timeline(const TestReport& test) {
  constexpr int kLabel = 220, kBar = 640, kRow = 22;
  std::vector<const TargetTotals*> rows;
  for (const TargetTotals& target : test.targets) rows.push_back(&target);
  const std::size_t shown = std::min(rows.size(), kMaxTimelineRows);
  std::ostringstream svg;
  const int height = int(shown) * kRow + 8;
  svg << "<svg class=\"timeline\" width=\"" << kLabel + kBar + 70 << "\" height=\"" << height
      << "\" role=\"img\" aria-label=\"faults of " << Escape(test.name) << " by call ordinal\">";
  for (std::size_t r = 0; r < shown; ++r) {
    const TargetTotals& target = *rows[r];
    const int y = int(r) * kRow + 4;
    const double calls = double(std::max<std::uint64_t>(target.max_call, 1));
    svg << "<text x=\"0\" y=\"" << y + 13 << "\" class=\"label\">" << Escape(target.target)
        << "</text><rect x=\"" << kLabel << "\" y=\"" << y + 4 << "\" width=\"" << kBar
        << "\" height=\"10\" class=\"calls\"><title>" << Escape(target.target) << ": "
        << target.max_call << " call(s) in a run at most, " << target.calls << " over " << test.runs
        << " run(s)</title></rect>";
    // Few calls: one mark per faulted call, apart; many: one per range of them.
    const bool per_call = target.ordinals.step() == 1 && target.max_call <= kBar / 4;
    const double cell = double(kBar) / calls;
    for (const auto& [first_block, last_block] : target.ordinals.blocks()) {
      const std::uint64_t step = target.ordinals.step();
      const std::uint64_t first = first_block * step + 1;
      const std::uint64_t last =
          std::min((last_block + 1) * step, std::max(target.max_call, first));
      for (std::uint64_t from = first; from <= last; from = per_call ? from + 1 : last + 1) {
        const std::uint64_t to = per_call ? from : last;
        const double width = per_call ? cell - 1 : std::max(2.0, double(to - from + 1) * cell);
        svg << "<rect x=\"" << kLabel + double(from - 1) * cell << "\" y=\"" << y + 1
            << "\" width=\"" << width << "\" height=\"16\" class=\"fault\"><title>"
            << Escape(target.target) << " call"
            << (to == from ? " " + std::to_string(from)
                           : "s " + std::to_string(from) + "-" + std::to_string(to))
            << " faulted in some run</title></rect>";
      }
    }
    svg << "<text x=\"" << kLabel + kBar + 6 << "\" y=\"" << y + 13 << "\" class=\"axis\">"
        << target.max_call << "</text>";
  }
  svg << "</svg>";
  std::string out = svg.str();
  if (rows.size() > shown) {
    out += "<p class=\"note\">" + std::to_string(rows.size() - shown) +
           " more target(s) not drawn; see the targets table.</p>";
  }
  return out;
}

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #1d1d1f; padding: 0 1em; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e5e5; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f4f4f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px ui-monospace, monospace; }
pre { background: #f6f6f8; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
.alert { background: #fff4e5; border: 2px solid #f0a030; border-radius: 6px; padding: 0.2em 1em 1em; margin-top: 1.5em; }
.alert h2 { border: none; margin-top: 0.6em; color: #8a4b00; }
.ok { color: #1b7a33; }
.failed { color: #b3261e; font-weight: bold; }
.failure { border-left: 4px solid #b3261e; padding-left: 1em; margin: 1em 0 2em; }
.replay { display: flex; gap: 8px; align-items: flex-start; }
.replay pre { flex: 1; margin: 0; background: #1d1d1f; color: #f5f5f7; }
.note { color: #666; }
.test { margin: 1.2em 0; }
svg.timeline .label, svg.timeline .axis { font: 12px ui-monospace, monospace; fill: #333; }
svg.timeline .calls { fill: #d9dde3; }
svg.timeline .fault { fill: #d93025; }
)css";

// Copies a replay line to the clipboard; the page works without it.
constexpr const char* kScript = R"js(
document.querySelectorAll('button.copy').forEach(function (button) {
  button.addEventListener('click', function () {
    var text = button.parentNode.querySelector('pre').textContent;
    if (navigator.clipboard) navigator.clipboard.writeText(text).catch(function () {});
    button.textContent = 'copied';
  });
});
)js";

}  // namespace

std::string ToHtml(const Report& report) {
  const std::map<std::string, TargetView> targets = Targets(report);
  std::uint64_t runs = 0, failed = 0, failures = 0;
  for (const TestReport& test : report.tests) {
    runs += test.runs;
    failed += test.failed ? 1 : 0;
    failures += test.failures.size();
  }
  std::vector<std::string> never_faulted;
  for (const auto& [name, view] : targets) {
    if (view.calls > 0 && view.faulted == 0) never_faulted.push_back(name);
  }

  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>faultline report</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
      << "<h1>faultline report</h1>\n<p class=\"summary\">" << report.tests.size() << " test(s), "
      << "<span class=\"" << (failed == 0 ? "ok" : "failed") << "\">" << failed
      << " failed</span>, " << runs << " run(s), " << targets.size() << " target(s) reached, "
      << never_faulted.size() << " never faulted; global seed " << report.global_seed << ".</p>\n";

  out << "<section id=\"never-faulted\" class=\"alert\">\n<h2>Reached but never faulted ("
      << never_faulted.size() << ")</h2>\n";
  if (never_faulted.empty()) {
    out << "<p>Every target a test reached was faulted in some test.</p>\n";
  } else {
    out << "<p>These targets were called, but no test ever made them fail: their error paths "
           "ran in no test.</p>\n<table>\n<tr><th>target</th><th>calls seen</th><th>tests that "
           "reached it</th></tr>\n";
    for (const std::string& name : never_faulted) {
      const TargetView& view = targets.at(name);
      out << "<tr><td><code>" << Escape(name) << "</code></td><td class=\"n\">" << view.calls
          << "</td><td>" << TestNames(view.tests) << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</section>\n";

  out << "<section id=\"failures\">\n<h2>Failures (" << failures << ")</h2>\n";
  if (failures == 0) out << "<p class=\"ok\">No test failed.</p>\n";
  for (const TestReport& test : report.tests) {
    for (const Failure& failure : test.failures) {
      out << "<div class=\"failure\">\n<h3>" << Escape(test.name) << "</h3>\n<p>"
          << Escape(failure.kind);
      if (failure.kind != "test") {
        out << " #" << failure.campaign + 1 << " of the test, run " << failure.run;
      }
      out << ", seed <code>" << failure.seed << "</code>"
          << (failure.flaky ? ", <strong>flaky</strong>: its schedule did not fail again" : "")
          << "</p>\n<p>"
          << (failure.kind == "explore" && !failure.flaky ? "minimal schedule" : "schedule")
          << ": <code class=\"schedule\">"
          << (failure.schedule.empty() ? "(no fault)" : Escape(failure.schedule))
          << "</code></p>\n";
      if (!failure.message.empty()) {
        out << "<pre class=\"message\">" << Escape(failure.message) << "</pre>\n";
      }
      if (!failure.replay.empty()) {
        out << "<div class=\"replay\"><pre>" << Escape(failure.replay)
            << "</pre><button class=\"copy\" type=\"button\">copy</button></div>\n";
      }
      out << "</div>\n";
    }
  }
  out << "</section>\n";

  out << "<section id=\"targets\">\n<h2>Targets (" << targets.size() << ")</h2>\n"
      << "<table>\n<tr><th>target</th><th>calls seen</th><th>calls faulted</th><th>ordinals "
         "faulted</th><th>tests that reached it</th></tr>\n";
  for (const auto& [name, view] : targets) {
    out << "<tr><td><code>" << Escape(name) << "</code></td><td class=\"n\">" << view.calls
        << "</td><td class=\"n\">" << view.faulted << "</td><td><code>"
        << Ordinals(view.ordinals, view.max_call) << "</code></td><td>" << TestNames(view.tests)
        << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";

  out << "<section id=\"tests\">\n<h2>Tests (" << report.tests.size() << ")</h2>\n"
      << "<p class=\"note\">Each bar spans the calls of a target in one run (the most any run "
         "made, at its right); red marks the calls faulted in some run.</p>\n";
  for (const TestReport& test : report.tests) {
    out << "<div class=\"test\">\n<h3>" << Escape(test.name) << " <span class=\""
        << (test.failed ? "failed\">failed" : "ok\">passed") << "</span></h3>\n<p class=\"note\">"
        << test.runs << " run(s), seed " << test.seed;
    if (test.unrecorded_faults != 0) {
      out << ", " << test.unrecorded_faults << " fault(s) past the event limit not drawn";
    }
    out << "</p>\n";
    if (test.targets.empty()) {
      out << "<p class=\"note\">No target reached.</p>\n";
    } else {
      out << Timeline(test) << "\n";
    }
    out << "</div>\n";
  }
  out << "</section>\n<script>" << kScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace report
}  // namespace faultline
