#include "faultline/internal/regressions.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace faultline {
namespace internal {
namespace {

constexpr std::size_t kMaxNameLength = 80;
constexpr const char* kExpectedLine = "date=YYYY-MM-DD seed=N schedule=RULE=TARGET@CALL,...";

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// Today in UTC, as YYYY-MM-DD: a date that reads the same wherever the test ran.
std::string Today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
#if defined(_WIN32)
  gmtime_s(&utc, &now);
#else
  gmtime_r(&now, &utc);
#endif
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) return false;
  }
  return true;
}

// The value of field `key` at the start of `rest`, which it consumes up to the next space (or
// the end, for the last field).
std::string_view TakeField(std::string_view& rest, std::string_view key, bool last) {
  const std::string prefix = std::string(key) + "=";
  if (rest.substr(0, prefix.size()) != prefix) {
    throw std::invalid_argument("expected \"" + prefix + "\" at \"" + std::string(rest) + "\"");
  }
  rest.remove_prefix(prefix.size());
  const std::size_t end = last ? rest.size() : rest.find(' ');
  const std::string_view value = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return value;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  // '\r': a file checked out with Windows line endings.
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string Reason() { return errno != 0 ? std::strerror(errno) : "write failed"; }

}  // namespace

std::string RegressionFileName(std::string_view full_name) {
  std::string name;
  for (const char c : full_name.substr(0, kMaxNameLength)) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    name += safe ? c : '_';
  }
  const std::uint64_t hash = Fnv1a(full_name);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>((hash >> 32) ^ hash));
  return name + "-" + hex + ".txt";
}

std::string RegressionLine(const std::string& date, std::uint64_t seed, const Schedule& schedule) {
  return "date=" + date + " seed=" + std::to_string(seed) + " schedule=" + schedule.ToString();
}

Regression ParseRegression(std::string_view text) {
  Regression regression;
  regression.text = std::string(Trimmed(text));
  std::string_view rest = regression.text;
  try {
    const std::string_view date = TakeField(rest, "date", false);
    if (!IsDate(date)) {
      throw std::invalid_argument("date=\"" + std::string(date) + "\" is not a date YYYY-MM-DD");
    }
    regression.date = std::string(date);
    const std::string seed(TakeField(rest, "seed", false));
    char* end = nullptr;
    errno = 0;
    regression.seed = std::strtoull(seed.c_str(), &end, 10);
    if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos ||
        errno == ERANGE) {
      throw std::invalid_argument("seed=\"" + seed + "\" is not an unsigned 64-bit integer");
    }
    regression.schedule = Schedule::Parse(TakeField(rest, "schedule", true));
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(std::string(error.what()) + "; expected a line \"" +
                                kExpectedLine + "\"");
  }
  return regression;
}

RegressionFile LoadRegressions(const std::string& path) {
  RegressionFile file;
  file.path = path;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return file;
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("faultline: regressions file \"" + path +
                             "\" cannot be read: " + std::strerror(errno));
  }
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string_view text = Trimmed(line);
    if (text.empty() || text.front() == '#') continue;
    try {
      Regression regression = ParseRegression(text);
      regression.line = number;
      file.regressions.push_back(std::move(regression));
    } catch (const std::invalid_argument& problem) {
      file.problems.push_back(path + ":" + std::to_string(number) + ": \"" + std::string(text) +
                              "\": " + problem.what());
    }
  }
  if (in.bad()) {
    throw std::runtime_error("faultline: regressions file \"" + path +
                             "\" cannot be read: " + std::strerror(errno));
  }
  return file;
}

StoredRegression StoreRegression(const std::string& path, const std::string& test,
                                 const Schedule& schedule, std::uint64_t seed,
                                 const std::string& schedule_flag) {
  const std::string where = "faultline: cannot store a regression in \"" + path + "\": ";
  std::error_code error;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  if (error) throw std::runtime_error(where + error.message());
  // Shards exploring side by side store into one file: each reads, decides and appends under
  // the lock, so that the header and a case are written once.
  errno = 0;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(where + Reason());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }  // releases the lock
  } const closer{fd};
  if (::flock(fd, LOCK_EX) != 0) throw std::runtime_error(where + Reason());
  const RegressionFile stored = LoadRegressions(path);
  for (const Regression& regression : stored.regressions) {
    if (regression.schedule == schedule) return {regression.line, false};
  }
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  int lines = 0;
  for (const char c : content) lines += c == '\n' ? 1 : 0;
  std::string text;
  if (!content.empty() && content.back() != '\n') {
    text = "\n";  // a last line edited by hand without its line end
    ++lines;
  }
  if (content.empty()) {
    text = "# faultline regressions of " + test + "\n" +
           "# Failing fault schedules that Explore found and shrank. Every run of this test\n"
           "# replays them first, each under its seed, and fails while one still fails.\n"
           "# Commit this file; delete or comment out a line to forget a case.\n"
           "# Replay one alone with " + schedule_flag + "=<schedule>.\n";
    for (const char c : text) lines += c == '\n' ? 1 : 0;
  }
  text += RegressionLine(Today(), seed, schedule) + "\n";
  errno = 0;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error(where + Reason());
  }
  return {lines + 1, true};
}

}  // namespace internal
}  // namespace faultline
