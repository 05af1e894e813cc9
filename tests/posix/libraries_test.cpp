// Real, unmodified system libraries under the interposer: SQLite's commits and zlib's gz files
// meet failing writes and syncs, and a planted bug (a swallowed fsync) is found and shrunk.
// SQLite and zlib are compiled in where CMake found them (FAULTLINE_TEST_SQLITE3,
// FAULTLINE_TEST_ZLIB).
#include "faultline/posix.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include "faultline/gtest.hpp"

#if FAULTLINE_TEST_SQLITE3
#include <sqlite3.h>
#endif
#if FAULTLINE_TEST_ZLIB
#include <zlib.h>
#endif

namespace {

using faultline::Errno;

// Each test works in a directory of its own.
class LibraryTest : public faultline::FaultTest {
 protected:
  void SetUp() override {
    faultline::FaultTest::SetUp();
    char pattern[] = "/tmp/faultline-libraries-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    faultline::FaultTest::TearDown();
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

#if FAULTLINE_TEST_SQLITE3

// Copies file `from` over `to` with sendfile, which is no target: a copy made this way adds no
// write to the call counts a sweep places its faults by.
void CopyWithoutWrites(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY);
  const int out = ::open(to.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  struct stat status {};
  bool copied = in >= 0 && out >= 0 && ::fstat(in, &status) == 0;
  for (off_t offset = 0; copied && offset < status.st_size;) {
    copied = ::sendfile(out, in, &offset, static_cast<size_t>(status.st_size - offset)) > 0;
  }
  if (in >= 0) ::close(in);
  if (out >= 0) ::close(out);
  if (!copied) throw std::runtime_error("cannot copy " + from + " to " + to);
}

// A connection to a database file, closed when it goes.
class Database {
 public:
  explicit Database(const std::string& path)
      : open_result_(sqlite3_open_v2(path.c_str(), &db_,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)) {}
  ~Database() { sqlite3_close_v2(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // SQLITE_OK, or why the file could not be opened.
  int open_result() const { return open_result_; }
  // Runs `sql` (several statements), stopping at the first that fails; its result code.
  int Execute(const std::string& sql) {
    return open_result_ != SQLITE_OK ? open_result_
                                     : sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // Every row `sql` returns, a line each, its columns separated by '|'; throws on an error.
  std::string Rows(const std::string& sql) {
    std::string rows;
    char* error = nullptr;
    const int result = sqlite3_exec(
        db_, sql.c_str(),
        [](void* out, int columns, char** values, char**) {
          auto& text = *static_cast<std::string*>(out);
          for (int i = 0; i < columns; ++i) {
            text += (i == 0 ? "" : "|") + std::string(values[i] != nullptr ? values[i] : "NULL");
          }
          text += '\n';
          return 0;
        },
        &rows, &error);
    if (result != SQLITE_OK) {
      const std::string message = error != nullptr ? error : sqlite3_errstr(result);
      sqlite3_free(error);
      throw std::runtime_error("\"" + sql + "\" failed: " + message);
    }
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
  int open_result_;
};

// 200 rows over several pages; the transaction rewrites a third of them, on every page, and
// adds 20 rows on new pages, so its commit writes many pages of journal (or log) and database.
constexpr const char* kCreate =
    "CREATE TABLE items(id INTEGER PRIMARY KEY, value TEXT NOT NULL);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)"
    "  INSERT INTO items SELECT i, printf('row-%04d-%.80c', i, 'o') FROM n;";
constexpr const char* kTransaction =
    "BEGIN;"
    "UPDATE items SET value = printf('updated-%04d-%.100c', id, 'u') WHERE id % 3 = 0;"
    "WITH RECURSIVE n(i) AS (SELECT 201 UNION ALL SELECT i + 1 FROM n WHERE i < 220)"
    "  INSERT INTO items SELECT i, printf('new-%04d-%.200c', i, 'n') FROM n;"
    "COMMIT;";
constexpr const char* kDump = "SELECT id, value FROM items ORDER BY id";

class SqliteTest : public LibraryTest {
 protected:
  void SweepTransaction(const std::string& journal_mode);
};

// Sweeps every write and sync of a transaction on a database in `journal_mode`: run k fails the
// k-th call of one of them, then the database, reopened without faults, must be intact and
// hold either the whole transaction or none of it (and the whole of it when COMMIT said so).
void SqliteTest::SweepTransaction(const std::string& journal_mode) {
  const std::string template_path = Path("template.db");
  const std::string live = Path("live.db");
  {
    Database setup(template_path);
    ASSERT_EQ(setup.Execute("PRAGMA journal_mode=" + journal_mode + ";"), SQLITE_OK);
    ASSERT_EQ(setup.Execute(kCreate), SQLITE_OK);
  }
  // Each run starts from the template (a clean close left no journal or log beside it), copied
  // without writes, so that the transaction's calls are the first of their targets.
  const auto restore = [&] {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((live + suffix).c_str());
    CopyWithoutWrites(template_path, live);
  };
  std::string before;
  std::string after;
  {
    restore();
    Database db(live);
    before = db.Rows(kDump);
    ASSERT_EQ(db.Execute(kTransaction), SQLITE_OK);
    after = db.Rows(kDump);
    ASSERT_EQ(db.Rows("PRAGMA journal_mode"), journal_mode + "\n");
  }
  ASSERT_NE(before, after);

  // The swept targets' calls at the end of the transaction in the fault-free first run: with no
  // swept call before the scope (the copy makes none), all of them are the transaction's.
  std::map<std::string, std::uint64_t> transaction_calls;
  std::uint64_t faulted_runs = 0;
  std::uint64_t failed_commits = 0;
  const faultline::SweepResult result = Sweep(
      faultline::SweepOptions()
          .Fault(Errno("disk-full", ENOSPC).Target("posix.*write").Scoped())
          .Fault(Errno("sync-failed", EIO).Target("posix.f*sync").Scoped()),
      [&] {
        restore();
        int committed = SQLITE_OK;
        {
          // Opening, the transaction and the close may fail; the reopening below may not.
          faultline::posix::OnlyIn scope;
          Database db(live);
          committed = db.Execute(kTransaction);
        }
        const faultline::HarnessStats stats = faultline::Current().Stats();
        if (stats.events.empty() && transaction_calls.empty()) {
          transaction_calls = stats.calls_per_target;
        }
        faulted_runs += stats.events.empty() ? 0 : 1;
        failed_commits += committed == SQLITE_OK ? 0 : 1;

        Database db(live);
        ASSERT_EQ(db.open_result(), SQLITE_OK);
        ASSERT_EQ(db.Rows("PRAGMA integrity_check"), "ok\n");
        const std::string rows = db.Rows(kDump);
        if (committed == SQLITE_OK) {
          EXPECT_TRUE(rows == after) << "COMMIT succeeded but the transaction is not all there";
        } else {
          EXPECT_TRUE(rows == before || rows == after)
              << "COMMIT failed (" << sqlite3_errstr(committed)
              << ") and left part of the transaction";
        }
      });
  EXPECT_TRUE(result.passed());
  EXPECT_TRUE(result.complete) << result.Report();
  std::uint64_t swept_calls = 0;
  std::uint64_t all_calls = 0;  // the reopening's included, which the scope keeps unfaulted
  bool writes = false;
  bool syncs = false;
  for (const auto& [target, calls] : result.targets) {
    swept_calls += transaction_calls[target];
    all_calls += calls;
    writes = writes || target.find("write") != std::string::npos;
    syncs = syncs || target.find("sync") != std::string::npos;
  }
  EXPECT_TRUE(writes && syncs) << result.Report();
  EXPECT_GT(swept_calls, 10u) << result.Report();
  // Every call of the transaction failed in a run of its own. The sweep also tried each call
  // the scope let pass (the reopening's), and each target had one run past its last call.
  EXPECT_EQ(faulted_runs, swept_calls) << result.Report();
  EXPECT_EQ(result.runs, 1 + all_calls + result.targets.size()) << result.Report();
  EXPECT_GT(failed_commits, 0u);
}

TEST_F(SqliteTest, RollbackJournalCommitIsAllOrNothingWhicheverWriteOrSyncFails) {
  SweepTransaction("delete");
}

TEST_F(SqliteTest, WalCommitIsAllOrNothingWhicheverWriteOrSyncFails) {
  SweepTransaction("wal");
}

#endif  // FAULTLINE_TEST_SQLITE3

#if FAULTLINE_TEST_ZLIB

using ZlibTest = LibraryTest;

// 256 KiB that compress somewhat: runs of a letter with pseudo-random bytes between them, the
// same every time.
std::string Payload() {
  std::string data;
  std::uint32_t state = 12345;
  while (data.size() < (256u << 10)) {
    state = state * 1664525u + 1013904223u;
    data.append(state % 64, static_cast<char>('a' + state % 26));
    data += static_cast<char>(state >> 24);
  }
  data.resize(256u << 10);
  return data;
}

// Writes `data` to gz file `path` in 16 KiB pieces: true when every call reported success.
bool GzWrite(const std::string& path, const std::string& data) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  bool written = true;
  for (std::size_t at = 0; written && at < data.size(); at += 16u << 10) {
    const unsigned piece = static_cast<unsigned>(std::min<std::size_t>(16u << 10, data.size() - at));
    written = gzwrite(file, data.data() + at, piece) == static_cast<int>(piece);
  }
  return gzclose(file) == Z_OK && written;
}

// The uncompressed contents of gz file `path`, or "<error>".
std::string GzRead(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return "<error>";
  std::string data;
  char buffer[8192];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) data.append(buffer, static_cast<std::size_t>(n));
  const bool ended = n == 0;
  return gzclose(file) == Z_OK && ended ? data : "<error>";
}

TEST_F(ZlibTest, WithoutRulesAFileDecompressesToWhatWasWritten) {
  const std::string data = Payload();
  ASSERT_TRUE(GzWrite(Path("data.gz"), data));
  EXPECT_LT(std::filesystem::file_size(Path("data.gz")), data.size());
  EXPECT_TRUE(GzRead(Path("data.gz")) == data);
  // zlib's own calls went through the interposer.
  EXPECT_GT(Stats().calls_per_target["posix.write"], 1u);
  EXPECT_GT(Stats().calls_per_target["posix.read"], 1u);
  EXPECT_TRUE(Events().empty());
}

TEST_F(ZlibTest, DiskFullIsReportedByGzwriteGzerrorAndGzclose) {
  Injector().AddRule(Errno("disk-full", ENOSPC).Target("posix.write").Path("*.gz"));
  const std::string data = Payload();
  gzFile file = gzopen(Path("data.gz").c_str(), "wb");
  ASSERT_NE(file, nullptr);
  // More than zlib buffers: it compresses and writes at once, and the write fails.
  EXPECT_EQ(gzwrite(file, data.data(), static_cast<unsigned>(data.size())), 0);
  int error = Z_OK;
  const std::string message = gzerror(file, &error);
  EXPECT_EQ(error, Z_ERRNO);
  EXPECT_NE(message.find(std::strerror(ENOSPC)), std::string::npos) << message;
  // Closing flushes what is pending: that write fails too.
  EXPECT_EQ(gzclose(file), Z_ERRNO);
  EXPECT_GE(Stats().faults_per_rule["disk-full"], 2u);
}

TEST_F(ZlibTest, ShortWritesAreResumedAndTheFileIsComplete) {
  Injector().AddRule(faultline::Partial("short").Target("posix.write").Path("*.gz"));
  const std::string data = Payload();
  ASSERT_TRUE(GzWrite(Path("data.gz"), data));
  EXPECT_GT(Stats().faults_per_rule["short"], 1u);
  EXPECT_TRUE(GzRead(Path("data.gz")) == data);
}

TEST_F(ZlibTest, NoFailedWriteGoesUnreported) {
  const std::string data = Payload();
  std::uint64_t faulted_runs = 0;
  const faultline::SweepResult result = Sweep(
      Errno("disk-full", ENOSPC).Target("posix.write").Path("*.gz"), [&] {
        const bool written = GzWrite(Path("data.gz"), data);
        if (!Events().empty()) {
          ++faulted_runs;
          EXPECT_FALSE(written) << "zlib reported the file written although a write failed";
        } else {
          EXPECT_TRUE(written);
        }
        if (written) {
          EXPECT_TRUE(GzRead(Path("data.gz")) == data);
        }
      });
  EXPECT_TRUE(result.passed());
  EXPECT_TRUE(result.complete) << result.Report();
  ASSERT_EQ(result.targets.size(), 1u) << result.Report();
  EXPECT_GE(result.targets[0].second, 3u) << result.Report();
  EXPECT_EQ(faulted_runs, result.targets[0].second);
}

#endif  // FAULTLINE_TEST_ZLIB

// Writes `text` to `path` as a temporary file, synced, then renamed over `path`; true when the
// record is stored. The planted bug: it ignores fsync's result, so a record whose bytes may never
// reach the disk is reported stored.
bool Store(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return false;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    ::unlink(temporary.c_str());
    return false;
  }
  static_cast<void>(::fsync(fd));  // the planted bug
  if (::close(fd) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return ::rename(temporary.c_str(), path.c_str()) == 0;
}

using PlantedBugTest = LibraryTest;

// Stores eight records, then throws when Store reported any of them stored although one of its
// calls failed: every failure must reach the caller.
void StoreRecords(const std::string& dir) {
  std::string swallowed;
  for (int i = 0; i < 8; ++i) {
    const std::size_t faults_before = faultline::Current().Events().size();
    const bool stored = Store(dir + "/" + std::to_string(i) + ".rec", "record " + std::to_string(i));
    if (stored && faultline::Current().Events().size() != faults_before) {
      swallowed += (swallowed.empty() ? "record " : ", record ") + std::to_string(i);
    }
  }
  if (!swallowed.empty()) {
    throw std::runtime_error("reported stored although one of its calls failed: " + swallowed);
  }
}

TEST_F(PlantedBugTest, ExploreShrinksTheFailureToTheOneSwallowedFsync) {
  // Any call on a record may fail: opens, writes, syncs, closes, renames.
  Injector().AddRule(Errno("io", EIO).Target("posix.*").Path("*.rec*").Probability(0.2));
  const faultline::ExploreResult result =
      faultline::Explore(faultline::ExploreOptions().Runs(200), [&] { StoreRecords(dir_); });
  ASSERT_TRUE(result.failed) << result.Report();
  // Eight records of five calls each: the first failing run holds faults besides the fsync
  // (for all but a rare seed), which shrinking removes.
  EXPECT_GT(result.original.schedule.size(), 1u) << result.Report();
  EXPECT_FALSE(result.flaky) << result.Report();
  EXPECT_FALSE(result.shrink_exhausted) << result.Report();
  ASSERT_EQ(result.minimal.size(), 1u) << result.Report();
  const faultline::ScheduledFault& fault = result.minimal.faults()[0];
  EXPECT_EQ(fault.target, "posix.fsync");
  EXPECT_EQ(fault.call, 1u) << "moved to the first record's fsync";
  EXPECT_EQ(result.ReplayFlag(), "--faultline_schedule=io=posix.fsync@1");
  EXPECT_EQ(result.message, "reported stored although one of its calls failed: record 0");
}

TEST_F(PlantedBugTest, SweepStopsAtTheFirstFsyncItFails) {
  const faultline::SweepResult result = faultline::Sweep(
      Errno("io", EIO).Target("posix.*").Path("*.rec*"), [&] { StoreRecords(dir_); });
  ASSERT_EQ(result.failures.size(), 1u) << result.Report();
  EXPECT_EQ(result.failures[0].schedule.ToString(), "io=posix.fsync@1") << result.Report();
  EXPECT_EQ(result.failures[0].message, "reported stored although one of its calls failed: record 0");
  EXPECT_FALSE(result.complete);
}

}  // namespace
