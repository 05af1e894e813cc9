// faultline-report: merges the JSON reports of many processes or shards (--faultline_report)
// into one, or into one self-contained HTML page.
//
//   faultline-report merge -o merged.json a.json b.json ...
//   faultline-report html -o report.html a.json b.json ...
//
// Exit status: 0 when the output was written, 2 for bad input or usage, 1 when the output could
// not be written.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "report.hpp"

namespace {

constexpr const char* kUsage =
    "usage: faultline-report merge -o OUT.json REPORT.json...\n"
    "       faultline-report html -o OUT.html REPORT.json...\n"
    "Merges the --faultline_report files of many processes or shards: as JSON, or as one\n"
    "self-contained HTML page (targets never faulted, failures with their replay lines,\n"
    "targets, each test's faults on a timeline).\n";

int Usage(const std::string& problem) {
  std::cerr << "faultline-report: " << problem << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.empty()) return Usage("expected a command, merge or html");
  const std::string command = args[0];
  if (command != "merge" && command != "html") {
    return Usage("unknown command \"" + command + "\": expected merge or html");
  }
  std::string output;
  std::vector<std::string> inputs;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-o") {
      if (i + 1 == args.size()) return Usage("expected a file name after -o");
      output = args[++i];
    } else if (args[i].rfind("-o", 0) == 0) {
      output = args[i].substr(2);
    } else if (args[i].size() > 1 && args[i][0] == '-') {
      return Usage("unknown option \"" + args[i] + "\"");
    } else {
      inputs.push_back(args[i]);
    }
  }
  if (output.empty()) return Usage("expected -o OUT");
  if (inputs.empty()) return Usage("expected at least one report to read");

  std::vector<faultline::report::Report> reports;
  try {
    for (const std::string& input : inputs) reports.push_back(faultline::report::LoadReport(input));
  } catch (const faultline::report::ReportError& error) {
    std::cerr << "faultline-report: " << error.what() << "\n";
    return 2;
  }
  const faultline::report::Report merged = faultline::report::Merge(reports);
  const std::string text =
      command == "merge" ? faultline::report::ToJson(merged) : faultline::report::ToHtml(merged);
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    std::cerr << "faultline-report: cannot write \"" << output << "\": " << std::strerror(errno)
              << "\n";
    return 1;
  }
  return 0;
}
