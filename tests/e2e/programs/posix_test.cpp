// A user's test program doing real file I/O through libc, linked with faultline::posix and run
// as a child process by posix_e2e_test.cpp under rules on posix.* targets.
//
// The tests handle every error their calls can return and print what happened, so they pass
// under any rule. Two environment variables add expectations:
//   POSIX_E2E_DISK_FULL=1  Store.KeepsTheJournalWhenTheDiskIsFull expects ENOSPC on *.db writes;
//   POSIX_E2E_STRICT=1     Store.NaiveCommit runs: it assumes every write succeeds, so it fails
//                          under faults (otherwise it is skipped).
#include <faultline/gtest.hpp>
#include <faultline/posix.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace {

// The directory the tests write in, made and removed outside every test: not faulted.
class TempDir : public ::testing::Environment {
 public:
  static const std::string& Path() { return path_; }
  void SetUp() override {
    char pattern[] = "/tmp/faultline-posix-e2e-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::perror("mkdtemp");
      std::exit(3);
    }
    path_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(path_); }

 private:
  static std::string path_;
};
std::string TempDir::path_;
[[maybe_unused]] const auto* const g_temp_dir = ::testing::AddGlobalTestEnvironment(new TempDir);

std::string In(const std::string& name) { return TempDir::Path() + "/" + name; }

bool Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::strcmp(value, "1") == 0;
}

// "<call>: <strerror>" for the call that just failed.
std::string Failed(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// Writes `text` to `path` with open/write/fsync/close, retrying short writes and EINTR.
// Returns "" or the first failure.
std::string SaveRaw(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return Failed("open");
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = Failed("write");
      ::close(fd);
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string error = Failed("fsync");
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return Failed("close");
  return "";
}

// The same with fopen/fwrite/fflush/fclose.
std::string SaveStdio(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Failed("fopen");
  for (std::size_t done = 0; done < text.size();) {
    const std::size_t n = std::fwrite(text.data() + done, 1, text.size() - done, file);
    if (n == 0) {
      const std::string error = Failed("fwrite");
      std::fclose(file);
      return error;
    }
    done += n;
  }
  if (std::fflush(file) != 0) {
    const std::string error = Failed("fflush");
    std::fclose(file);
    return error;
  }
  if (std::fclose(file) != 0) return Failed("fclose");
  return "";
}

// The file's contents, or nothing when a call fails.
std::optional<std::string> Load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

void Report(const char* what, const std::string& error) {
  std::printf("[store] %s: %s\n", what, error.empty() ? "ok" : error.c_str());
}

const std::string kRecord = "id=1;name=widget;count=42\n";

TEST(Files, RawCallsSaveOrReportTheirError) {
  const std::string error = SaveRaw(In("raw.bin"), kRecord);
  Report("raw.bin", error);
  if (error.empty()) {
    // Read back only when the rules let the reads through.
    if (const auto text = Load(In("raw.bin"))) {
      EXPECT_EQ(*text, kRecord);
    }
  } else {
    EXPECT_NE(error.find(": "), std::string::npos);
  }
}

TEST(Files, StdioCallsSaveOrReportTheirError) {
  const std::string error = SaveStdio(In("stdio.txt"), kRecord);
  Report("stdio.txt", error);
  if (error.empty()) {
    if (const auto text = Load(In("stdio.txt"))) {
      EXPECT_EQ(*text, kRecord);
    }
  }
}

// Files opened before the tests (outside any test, so never faulted): under a rule on every
// posix target the calls after open fail too, not only the open.
class Handles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fd_ = ::open(In("handle.bin").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    file_ = std::fopen(In("handle.txt").c_str(), "wb");
    if (fd_ < 0 || file_ == nullptr) std::perror("cannot open the handles");
  }
  static int fd_;
  static std::FILE* file_;
};
int Handles::fd_ = -1;
std::FILE* Handles::file_ = nullptr;

TEST_F(Handles, DescriptorWriteSyncAndClose) {
  ASSERT_GE(fd_, 0);
  const ssize_t written = ::write(fd_, kRecord.data(), kRecord.size());
  Report("handle.bin write", written < 0 ? Failed("write") : "");
  Report("handle.bin fsync", ::fsync(fd_) != 0 ? Failed("fsync") : "");
  // A failed close has still released the descriptor.
  Report("handle.bin close", ::close(fd_) != 0 ? Failed("close") : "");
  fd_ = -1;
}

TEST_F(Handles, StreamWriteFlushAndClose) {
  ASSERT_NE(file_, nullptr);
  const std::size_t items = std::fwrite(kRecord.data(), kRecord.size(), 1, file_);
  Report("handle.txt fwrite", items != 1 ? Failed("fwrite") : "");
  Report("handle.txt fflush", std::fflush(file_) != 0 ? Failed("fflush") : "");
  // A failed fclose has still closed the stream.
  Report("handle.txt fclose", std::fclose(file_) != 0 ? Failed("fclose") : "");
  file_ = nullptr;
}

// A full disk fails the database but not the journal, and is reported as such.
TEST(Store, KeepsTheJournalWhenTheDiskIsFull) {
  const std::string journal = SaveRaw(In("journal.log"), kRecord);
  const std::string database = SaveRaw(In("store.db"), kRecord);
  Report("journal.log", journal);
  Report("store.db", database);
  if (Env("POSIX_E2E_DISK_FULL")) {
    EXPECT_EQ(journal, "");
    EXPECT_EQ(database, std::string("write: ") + std::strerror(ENOSPC));
  }
}

// The bug fault injection is there to find: every write is assumed to succeed.
TEST(Store, NaiveCommit) {
  if (!Env("POSIX_E2E_STRICT")) GTEST_SKIP() << "set POSIX_E2E_STRICT=1 to run";
  const int fd = ::open(In("commit.db").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << Failed("open");
  int failed = 0;
  for (int i = 0; i < 40; ++i) failed += ::write(fd, kRecord.data(), kRecord.size()) < 0;
  ::close(fd);
  EXPECT_EQ(failed, 0) << "writes failed";
}

}  // namespace
