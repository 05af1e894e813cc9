#include "store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace store {
namespace {

std::error_code LastError() { return std::error_code(errno, std::generic_category()); }

// Writes all of `data`, resuming after short writes and interrupted calls.
std::error_code WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastError();
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

Store::Store(std::string directory) : directory_(std::move(directory)) {}

std::error_code Store::Save(const std::map<std::string, std::string>& values) {
  std::string data;
  for (const auto& [key, value] : values) data += key + "=" + value + "\n";
  const std::string next = directory_ + "/next.db";
  const int fd = ::open(next.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return LastError();
  std::error_code error = WriteAll(fd, data);
  if (!error && ::fsync(fd) != 0) error = LastError();
  if (::close(fd) != 0 && !error) error = LastError();
  if (!error && std::rename(next.c_str(), (directory_ + "/data.db").c_str()) != 0) {
    error = LastError();
  }
  if (error) ::unlink(next.c_str());
  return error;
}

std::map<std::string, std::string> Store::Load() const {
  std::map<std::string, std::string> values;
  std::FILE* file = std::fopen((directory_ + "/data.db").c_str(), "r");
  if (file == nullptr) {
    if (errno == ENOENT) return values;
    throw std::system_error(LastError(), "cannot open " + directory_ + "/data.db");
  }
  char line[4096];
  while (std::fgets(line, sizeof line, file) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) values[text.substr(0, equals)] = text.substr(equals + 1);
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) throw std::system_error(LastError(), "cannot read " + directory_ + "/data.db");
  return values;
}

}  // namespace store
