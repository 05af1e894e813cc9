// Running test programs as child processes, for the end-to-end suites of every adapter.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace faultline::testing {

// What a child process printed and its exit status (-1 when it did not exit normally).
struct ChildRun {
  int status;
  std::string output;
};

// Runs `command` through the shell; stderr is folded into stdout unless `stdout_only`.
inline ChildRun Shell(const std::string& command, bool stdout_only = false) {
  FILE* pipe = popen((command + (stdout_only ? " 2>/dev/null" : " 2>&1")).c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// The whole text of a file ("" when it cannot be read).
inline std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The "[faultline]   #n rule (type) on target call k" lines of failure reports.
inline std::vector<std::string> EventLines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[faultline]   #", 0) == 0) lines.push_back(line);
  }
  return lines;
}

// Test name -> the seed and events of each of its runs ("seed events;" per run), from a
// --faultline_report / --faultline-report JSON file.
inline std::map<std::string, std::string> ReportEvents(const std::string& report) {
  std::string flat = report;
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  std::map<std::string, std::string> events;
  const std::regex test(R"re(\{"name": "([^"]+)", "seed": (\d+).*?"events": \[(.*?)\])re");
  for (std::sregex_iterator it(flat.begin(), flat.end(), test), end; it != end; ++it) {
    events[(*it)[1]] += std::string((*it)[2]) + " " + std::string((*it)[3]) + ";";
  }
  return events;
}

}  // namespace faultline::testing
