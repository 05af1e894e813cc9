// The store's error paths, reached through the file system: the store was never changed for
// faultline, which fails its system calls.
#include "store.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include <faultline/gtest.hpp>
#include <faultline/posix.hpp>

namespace {

// A fresh directory per test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/store-test-XXXXXX";
    path_ = ::mkdtemp(pattern) != nullptr ? pattern : "";
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

FAULTLINE_TEST(Store, SurvivesDiskFull,
               faultline::Expected(faultline::Errno("disk-full", ENOSPC)
                                       .Target("posix.write")
                                       .Path("*.db"))) {
  TempDir dir;
  store::Store store(dir.path());
  EXPECT_EQ(store.Save({{"answer", "42"}}), std::errc::no_space_on_device);
  EXPECT_TRUE(store.Load().empty()) << "a failed save must not leave partial data";
}

FAULTLINE_TEST(Store, ResumesShortWrites,
               faultline::Expected(faultline::Partial("short-write").Target("posix.write"))) {
  TempDir dir;
  store::Store store(dir.path());
  const std::map<std::string, std::string> values = {{"a", std::string(1000, 'x')}, {"b", "2"}};
  ASSERT_FALSE(store.Save(values));
  EXPECT_EQ(store.Load(), values);
}

// Every file-system call of a save fails in turn (the open, each write, the fsync, the close,
// the rename): whichever fails, the previous values survive.
using StoreSweep = faultline::FaultTest;

TEST_F(StoreSweep, KeepsThePreviousValuesWhateverCallFails) {
  TempDir dir;
  store::Store store(dir.path());
  const faultline::SweepResult swept =
      Sweep(faultline::Exception("io-error").Target("posix.*").Path("*.db").Scoped(), [&] {
        ASSERT_FALSE(store.Save({{"version", "1"}}));
        std::error_code error;
        {
          faultline::posix::OnlyIn scope;
          error = store.Save({{"version", "2"}});
        }
        EXPECT_EQ(store.Load().at("version"), error ? "1" : "2") << error.message();
      });
  EXPECT_TRUE(swept.complete);
  EXPECT_GE(swept.runs, 5u);
}

}  // namespace
