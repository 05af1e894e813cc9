// A user's Catch2 program doing real file I/O through libc, linked with faultline::posix and
// run by posix_e2e_test.cpp under rules on posix.* targets. The test cases handle every error
// and print it, so they pass under any rule; with POSIX_E2E_STRICT=1 "posix: naive commit"
// assumes its writes succeed, and fails under faults.
#include <faultline/catch2.hpp>
#include <faultline/posix.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace {

std::string Dir() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/faultline-catch2-posix-e2e-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::perror("mkdtemp");
      std::exit(3);
    }
    return std::string(pattern);
  }();
  return dir;
}

std::string In(const std::string& name) { return Dir() + "/" + name; }

std::string Failed(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// On std::cout, which Catch2 captures for reporters writing XML to stdout.
void Report(const std::string& what, const std::string& error) {
  std::cout << "[store] " << what << ": " << (error.empty() ? "ok" : error) << "\n";
}

const std::string kRecord = "id=1;name=widget;count=42\n";

// Opened during static initialization, before any test case (never faulted): under a rule on
// every posix target the calls after open fail too.
struct Handles {
  Handles()
      : fd(::open(In("handle.bin").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600)),
        file(std::fopen(In("handle.txt").c_str(), "wb")) {}
  ~Handles() {
    if (fd >= 0) ::close(fd);
    if (file != nullptr) std::fclose(file);
    std::remove(In("handle.bin").c_str());
    std::remove(In("handle.txt").c_str());
    for (const char* name : {"raw.bin", "stdio.txt", "commit.db"}) std::remove(In(name).c_str());
    ::rmdir(Dir().c_str());
  }
  int fd;
  std::FILE* file;
} g_handles;

}  // namespace

TEST_CASE("posix: raw calls save or report their error", "[io]") {
  std::string error;
  const int fd = ::open(In("raw.bin").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) {
    error = Failed("open");
  } else {
    if (::write(fd, kRecord.data(), kRecord.size()) < 0) error = Failed("write");
    if (error.empty() && ::fsync(fd) != 0) error = Failed("fsync");
    if (::close(fd) != 0 && error.empty()) error = Failed("close");
  }
  Report("raw.bin", error);
  CHECK((error.empty() || error.find(": ") != std::string::npos));
}

TEST_CASE("posix: stdio calls save or report their error", "[io]") {
  std::string error;
  std::FILE* file = std::fopen(In("stdio.txt").c_str(), "wb");
  if (file == nullptr) {
    error = Failed("fopen");
  } else {
    if (std::fwrite(kRecord.data(), kRecord.size(), 1, file) != 1) error = Failed("fwrite");
    if (error.empty() && std::fflush(file) != 0) error = Failed("fflush");
    if (std::fclose(file) != 0 && error.empty()) error = Failed("fclose");
  }
  Report("stdio.txt", error);
  CHECK((error.empty() || error.find(": ") != std::string::npos));
}

TEST_CASE("posix: handles opened before the test case", "[io]") {
  REQUIRE(g_handles.fd >= 0);
  REQUIRE(g_handles.file != nullptr);
  Report("handle.bin write",
         ::write(g_handles.fd, kRecord.data(), kRecord.size()) < 0 ? Failed("write") : "");
  Report("handle.bin fsync", ::fsync(g_handles.fd) != 0 ? Failed("fsync") : "");
  Report("handle.txt fwrite", std::fwrite(kRecord.data(), kRecord.size(), 1, g_handles.file) != 1
                                  ? Failed("fwrite")
                                  : "");
  Report("handle.txt fflush", std::fflush(g_handles.file) != 0 ? Failed("fflush") : "");
}

TEST_CASE("posix: naive commit", "[io]") {
  const char* strict = std::getenv("POSIX_E2E_STRICT");
  if (strict == nullptr || std::strcmp(strict, "1") != 0) return;
  const int fd = ::open(In("commit.db").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  int failed = 0;
  for (int i = 0; i < 40; ++i) failed += ::write(fd, kRecord.data(), kRecord.size()) < 0;
  ::close(fd);
  CHECK(failed == 0);
}
