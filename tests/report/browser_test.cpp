// Renders the HTML page of a real report in headless Chromium: the report of report_program
// (a planted failure, a target nothing faults), made into a page by faultline-report, must show
// the failure's replay line and the never-faulted target in the browser's DOM, log nothing to
// the console, and make a screenshot with something on it. Exits 77 (skipped) without Chromium.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "child_process.hpp"

namespace {

using faultline::testing::ChildRun;
using faultline::testing::ReadFile;
using faultline::testing::Shell;

constexpr int kSkipped = 77;
const std::string kWork = WORK_DIR;

int failures = 0;

void Check(bool ok, const std::string& what, const std::string& detail = {}) {
  if (ok) return;
  ++failures;
  std::cerr << "FAILED: " << what << (detail.empty() ? "" : "\n" + detail) << "\n";
}

std::string FindChromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const ChildRun found = Shell(std::string("command -v ") + name, true);
    if (found.status == 0 && !found.output.empty()) return name;
  }
  return "";
}

// Chromium's command for `page`, with its own profile (a shared one may be locked by another
// instance) and its console messages written to stderr.
std::string Chromium(const std::string& browser, const std::string& what) {
  return browser +
         " --headless --no-sandbox --disable-gpu --no-first-run --enable-logging=stderr " +
         "--v=0 --user-data-dir=" + kWork + "/profile " + what;
}

// The page's DOM after its scripts ran, and the console messages it logged (every one is a
// failure: the page logs nothing by design).
struct Rendered {
  int status;
  std::string dom;
  std::string console;
};

Rendered Render(const std::string& browser, const std::string& page) {
  const std::string log = kWork + "/console.log";
  const ChildRun run =
      Shell("{ " + Chromium(browser, "--dump-dom file://" + page) + " 2>" + log + "; }", true);
  std::string console;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(":CONSOLE") != std::string::npos) console += line + "\n";
  }
  return {run.status, run.output, console};
}

// The bytes of a PNG's IHDR width and height, or 0 when `png` is no PNG.
std::pair<unsigned long, unsigned long> PngSize(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      png.compare(12, 4, "IHDR") != 0) {
    return {0, 0};
  }
  auto read = [&](std::size_t at) {
    unsigned long value = 0;
    for (std::size_t i = 0; i < 4; ++i)
      value = value << 8 | static_cast<unsigned char>(png[at + i]);
    return value;
  };
  return {read(16), read(20)};
}

std::size_t Screenshot(const std::string& browser, const std::string& page,
                       const std::string& png) {
  std::remove(png.c_str());
  Shell(Chromium(browser, "--hide-scrollbars --window-size=1200,1600 --screenshot=" + png +
                              " file://" + page),
        true);
  return ReadFile(png).size();
}

}  // namespace

int main() {
  const std::string browser = FindChromium();
  if (browser.empty()) {
    std::cout << "SKIPPED: no Chromium installed (chromium, chromium-browser or google-chrome); "
                 "install it to render the report page\n";
    return kSkipped;
  }
  Shell("rm -rf " + kWork + " && mkdir -p " + kWork, true);

  // A real report with a planted failure: the program fails (status 1) and still writes it.
  const std::string report = kWork + "/report.json";
  const ChildRun program = Shell(std::string(REPORT_PROGRAM) + " --faultline_report=" + report);
  Check(program.status == 1, "report_program fails its planted test", program.output);
  const std::string page = kWork + "/report.html";
  const ChildRun tool = Shell(std::string(REPORT_TOOL) + " html -o " + page + " " + report);
  Check(tool.status == 0, "faultline-report html writes the page", tool.output);
  if (failures != 0) return 1;

  // The console check catches an error: a page with one planted.
  const std::string planted = kWork + "/planted.html";
  std::ofstream(planted) << "<!DOCTYPE html><html><body><p>planted</p>"
                            "<script>notAFunction();</script></body></html>\n";
  const Rendered broken = Render(browser, planted);
  Check(broken.console.find("Uncaught ReferenceError") != std::string::npos,
        "the console check sees the planted page's error", broken.console);

  const Rendered rendered = Render(browser, page);
  Check(rendered.status == 0, "Chromium renders the page");
  Check(rendered.console.empty(), "the page logs nothing to the console", rendered.console);
  const std::string replay =
      std::string(REPORT_PROGRAM) +
      " --gtest_filter=Payments.SurviveAFlakyGatewayAndASlowLedger --faultline_seed=42 "
      "--faultline_schedule=gw-fail=Gateway::Charge@3,ledger-slow=Ledger::Record@5";
  Check(rendered.dom.find("<pre>" + replay + "</pre>") != std::string::npos,
        "the DOM shows the planted failure's replay line", replay);
  const std::size_t section = rendered.dom.find("id=\"never-faulted\"");
  const std::size_t end = rendered.dom.find("</section>", section);
  Check(section != std::string::npos && end != std::string::npos,
        "the DOM has the never-faulted section");
  if (section != std::string::npos && end != std::string::npos) {
    const std::string never = rendered.dom.substr(section, end - section);
    Check(never.find("<code>Audit::Log</code>") != std::string::npos,
          "the never-faulted section lists Audit::Log", never);
    Check(never.find("Gateway::Charge") == std::string::npos,
          "the never-faulted section omits a faulted target", never);
  }
  Check(rendered.dom.find("<svg class=\"timeline\"") != std::string::npos,
        "the DOM has a timeline");

  // A page with something on it compresses to far more than a near-empty one.
  const std::size_t bare = Screenshot(browser, planted, kWork + "/planted.png");
  const std::string png = kWork + "/report.png";
  const std::size_t size = Screenshot(browser, page, png);
  const auto [width, height] = PngSize(ReadFile(png));
  Check(width == 1200 && height == 1600, "the screenshot is a 1200x1600 PNG",
        std::to_string(width) + "x" + std::to_string(height));
  Check(bare > 0 && size > 3 * bare, "the screenshot is not a near-empty page",
        std::to_string(size) + " bytes, a near-empty page " + std::to_string(bare));

  if (failures == 0) std::cout << "the report page renders: " << page << "\n";
  return failures == 0 ? 0 : 1;
}
