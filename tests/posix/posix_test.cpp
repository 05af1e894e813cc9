// The interposed system calls and allocations, called as code under test calls them: through
// libc, with rules on the current injector while a gtest test runs.
#include "faultline/posix.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <array>
#include <atomic>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "faultline/gtest.hpp"

namespace {

using faultline::Errno;
using faultline::Exception;
using faultline::FaultEvent;

// Each test works in a directory of its own.
class PosixTest : public faultline::FaultTest {
 public:
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 protected:
  void SetUp() override {
    faultline::FaultTest::SetUp();
    char pattern[] = "/tmp/faultline-posix-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    faultline::FaultTest::TearDown();
  }
  int Create(const std::string& name) {
    return ::open(Path(name).c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
  }
  std::string ReadAll(const std::string& name) {
    std::FILE* file = std::fopen(Path(name).c_str(), "rb");
    if (file == nullptr) return "<cannot open>";
    std::string text;
    char buffer[256];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    std::fclose(file);
    return text;
  }

  static std::uint64_t FiredCount(const std::string& rule) {
    return faultline::internal::Session::FiredCount(rule);
  }

  std::string dir_;
};

TEST_F(PosixTest, WriteFailsWithTheErrnoTheRuleNames) {
  auto rules = Injector().Scope({Errno("disk-full", ENOSPC).Target("posix.write")});
  const int fd = Create("data");
  ASSERT_GE(fd, 0);
  errno = 0;
  EXPECT_EQ(::write(fd, "abc", 3), -1);
  EXPECT_EQ(errno, ENOSPC);
  ::close(fd);
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].rule, "disk-full");
  EXPECT_EQ(Events()[0].target, "posix.write");
  EXPECT_EQ(Events()[0].call, 1u);
}

#if defined(__SANITIZE_THREAD__)
#define FAULTLINE_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FAULTLINE_TEST_UNDER_TSAN 1
#endif
#endif

TEST_F(PosixTest, APausedWriteIsMadeOnceReleased) {
#if defined(FAULTLINE_TEST_UNDER_TSAN)
  // Known: under ThreadSanitizer the thread held inside the (uninstrumented) write interposer
  // crashes in the sanitizer's runtime. Not supported yet.
  GTEST_SKIP() << "a pause at a system-call target under ThreadSanitizer";
#endif
  Injector().AddRule(faultline::Pause("hold").Target("posix.write").Path("*/held.txt"));
  const int fd = Create("held.txt");
  ASSERT_GE(fd, 0);
  std::atomic<ssize_t> written{-2};
  std::thread writer([&] { written = ::write(fd, "abc", 3); });
  EXPECT_TRUE(Injector().WaitForHit("posix.write"));
  EXPECT_EQ(written, -2);  // parked inside write, before the real call
  Injector().Release("hold");
  writer.join();
  EXPECT_EQ(written, 3);
  ::close(fd);
  EXPECT_EQ(ReadAll("held.txt"), "abc");
}

TEST_F(PosixTest, ExceptionRuleFailsWithTheTargetsDefaultError) {
  const struct {
    const char* target;
    int error;
  } cases[] = {{"posix.fsync", EIO}, {"posix.fdatasync", EIO}, {"posix.ftruncate", EIO}};
  const int fd = Create("data");
  ASSERT_GE(fd, 0);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.target);
    auto rules = Injector().Scope({Exception("fail").Target(c.target)});
    errno = 0;
    const int result = std::string(c.target) == "posix.fsync"       ? ::fsync(fd)
                       : std::string(c.target) == "posix.fdatasync" ? ::fdatasync(fd)
                                                                    : ::ftruncate(fd, 0);
    EXPECT_EQ(result, -1);
    EXPECT_EQ(errno, c.error);
  }
  ::close(fd);
}

TEST_F(PosixTest, WithoutRulesEveryCallPassesThroughUnchanged) {
  const std::string text(100000, 'x');
  const int fd = Create("data");
  ASSERT_GE(fd, 0);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    ASSERT_GT(n, 0);
    written += static_cast<std::size_t>(n);
  }
  ASSERT_EQ(::fsync(fd), 0);
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  std::string back(text.size(), '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, text);
  EXPECT_EQ(::close(fd), 0);
  EXPECT_EQ(ReadAll("data"), text);
  EXPECT_TRUE(Events().empty());
  // Counted all the same: ordinals never depend on which rules exist.
  EXPECT_GE(Stats().calls_per_target["posix.write"], 1u);
}

TEST_F(PosixTest, PathFilterFollowsDescriptorsToTheFileTheyOpened) {
  auto rules = Injector().Scope({Errno("db", EIO).Target("posix.*write").Path("*.db")});
  const int db = Create("store.db");
  const int log = Create("store.log");
  ASSERT_GE(db, 0);
  ASSERT_GE(log, 0);
  EXPECT_EQ(::write(log, "x", 1), 1);
  EXPECT_EQ(::write(db, "x", 1), -1);
  EXPECT_EQ(::pwrite(db, "x", 1, 0), -1);
  // openat relative to a directory descriptor: the path joins the directory's.
  const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  const int other = ::openat(dir, "other.db", O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(other, 0);
  EXPECT_EQ(::write(other, "x", 1), -1);
  // A descriptor number reused by a new file takes the new file's path.
  ::close(db);
  const int reused = Create("plain.txt");
  EXPECT_EQ(reused, db);
  EXPECT_EQ(::write(reused, "x", 1), 1);
  for (int fd : {log, dir, other, reused}) ::close(fd);
  EXPECT_EQ(FiredCount("db"), 3u);
}

TEST_F(PosixTest, PathFilterMatchesThePathNamedByPathCalls) {
  auto rules = Injector().Scope({Errno("ro", EROFS).Target("posix.*").Path("*/locked*")});
  errno = 0;
  EXPECT_EQ(::mkdir(Path("locked-dir").c_str(), 0700), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::mkdir(Path("free-dir").c_str(), 0700), 0);
  EXPECT_EQ(::open(Path("locked.txt").c_str(), O_CREAT | O_WRONLY, 0600), -1);
  EXPECT_EQ(std::fopen(Path("locked.txt").c_str(), "w"), nullptr);
  const int fd = Create("free.txt");
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(::rename(Path("free.txt").c_str(), Path("locked.txt").c_str()), 0)
      << "rename is filtered by its source path";
  EXPECT_EQ(::unlink(Path("locked.txt").c_str()), -1);
  EXPECT_EQ(errno, EROFS);
}

TEST_F(PosixTest, PartialWriteTransfersFewerBytesAndTheSameCountOnReplay) {
  auto rules = Injector().Scope({faultline::Partial("short").Target("posix.write")});
  const int fd = Create("data");
  ASSERT_GE(fd, 0);
  const ssize_t first = ::write(fd, "0123456789", 10);
  EXPECT_GE(first, 1);
  EXPECT_LT(first, 10);
  // A one-byte call cannot be shortened: it is made in full.
  EXPECT_EQ(::write(fd, "x", 1), 1);
  ::close(fd);
  EXPECT_EQ(ReadAll("data"), std::string("0123456789").substr(0, first) + "x");

  // The same seed, test and call give the same count.
  const std::uint64_t seed = Injector().seed();
  Injector().Reset();
  Injector().SetSeed(seed);
  auto again = Injector().Scope({faultline::Partial("short").Target("posix.write")});
  const int second = Create("again");
  EXPECT_EQ(::write(second, "0123456789", 10), first);
  ::close(second);
}

TEST_F(PosixTest, PartialReadAndVectorTransfers) {
  const int fd = Create("data");
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  auto rules = Injector().Scope({faultline::Partial("short").Target("posix.read*")});
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  char buffer[10];
  const ssize_t got = ::read(fd, buffer, sizeof buffer);
  EXPECT_GE(got, 1);
  EXPECT_LT(got, 10);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(got)),
            std::string("0123456789").substr(0, static_cast<std::size_t>(got)));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  char a[4], b[6];
  struct iovec parts[] = {{a, sizeof a}, {b, sizeof b}};
  const ssize_t vector_got = ::readv(fd, parts, 2);
  EXPECT_GE(vector_got, 1);
  EXPECT_LT(vector_got, 10);
  ::close(fd);
}

TEST_F(PosixTest, EintrOnceThenTheRetrySucceeds) {
  const int fd = Create("data");
  auto rules = Injector().Scope({Errno("intr", EINTR).Target("posix.write").OnCalls({1})});
  ssize_t n;
  int tries = 0;
  do {
    ++tries;
    n = ::write(fd, "abc", 3);
  } while (n == -1 && errno == EINTR);
  EXPECT_EQ(n, 3);
  EXPECT_EQ(tries, 2);
  ::close(fd);
}

TEST_F(PosixTest, ReturnRuleReturnsItsValueWithoutTheCall) {
  const int fd = Create("data");
  auto rules = Injector().Scope({faultline::Return("zero", 0).Target("posix.write")});
  EXPECT_EQ(::write(fd, "abc", 3), 0);
  ::close(fd);
  EXPECT_EQ(ReadAll("data"), "");
}

TEST_F(PosixTest, AValueNoSystemCallCanReturnFailsTheCallAndIsReported) {
  const int fd = Create("data");
  {
    auto rules = Injector().Scope({faultline::Return("words", "text").Target("posix.write")});
    errno = 0;
    EXPECT_EQ(::write(fd, "abc", 3), -1);
    EXPECT_EQ(errno, EIO);
  }
  ::close(fd);
  const std::vector<std::string> problems = faultline::internal::TakeProblems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "faultline: rule \"words\" on target \"posix.write\": a system call cannot return a "
            "value of type std::string, expected an integer, errno(...) or partial; the call "
            "failed with EIO instead");
}

TEST_F(PosixTest, CorruptionFlipsOneBitOfWhatIsRead) {
  const int fd = Create("data");
  const std::string text(64, 'a');
  ASSERT_EQ(::write(fd, text.data(), text.size()), 64);
  auto rules = Injector().Scope({faultline::Corruption("flip").Target("posix.pread")});
  std::string back(64, '\0');
  ASSERT_EQ(::pread(fd, back.data(), back.size(), 0), 64);
  int differing_bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    differing_bits += __builtin_popcount(static_cast<unsigned char>(text[i] ^ back[i]));
  }
  EXPECT_EQ(differing_bits, 1);
  ::close(fd);
}

TEST_F(PosixTest, StdioCallsFailAsTheirManPagesSay) {
  std::FILE* file = std::fopen(Path("data").c_str(), "w+");
  ASSERT_NE(file, nullptr);
  {
    auto rules = Injector().Scope({Errno("full", ENOSPC).Target("posix.fwrite")});
    errno = 0;
    EXPECT_EQ(std::fwrite("abc", 1, 3, file), 0u);
    EXPECT_EQ(errno, ENOSPC);
  }
  {
    auto rules = Injector().Scope({faultline::Partial("short").Target("posix.fwrite")});
    const std::size_t items = std::fwrite("abcdef", 1, 6, file);
    EXPECT_GE(items, 1u);
    EXPECT_LT(items, 6u);
  }
  {
    auto rules = Injector().Scope({Exception("flush").Target("posix.fflush")});
    EXPECT_EQ(std::fflush(file), EOF);
    EXPECT_EQ(errno, EIO);
  }
  std::rewind(file);
  {
    auto rules = Injector().Scope({Errno("bad", EIO).Target("posix.fread")});
    char buffer[4];
    EXPECT_EQ(std::fread(buffer, 1, sizeof buffer, file), 0u);
  }
  {
    auto rules = Injector().Scope({Exception("close").Target("posix.fclose")});
    EXPECT_EQ(std::fclose(file), EOF);  // and the stream is closed all the same
  }
}

TEST_F(PosixTest, StandardStreamsAreNeverFaulted) {
  auto rules = Injector().Scope({Exception("all").Target("posix.*")});
  EXPECT_EQ(::write(STDOUT_FILENO, "", 0), 0);
  EXPECT_EQ(std::fflush(stdout), 0);
  EXPECT_EQ(std::fwrite("", 1, 0, stderr), 0u);
  EXPECT_EQ(FiredCount("all"), 0u);
}

TEST_F(PosixTest, ScopedRulesFireOnlyInsideOnlyIn) {
  auto rules = Injector().Scope({Errno("scoped", EIO).Target("posix.write").Scoped()});
  const int fd = Create("data");
  EXPECT_EQ(::write(fd, "a", 1), 1);
  {
    faultline::posix::OnlyIn scope;
    EXPECT_EQ(::write(fd, "a", 1), -1);
  }
  EXPECT_EQ(::write(fd, "a", 1), 1);
  ::close(fd);
}

TEST_F(PosixTest, SocketCallsFailWithNetworkErrors) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  {
    auto rules = Injector().Scope({Exception("reset").Target("posix.send")});
    errno = 0;
    EXPECT_EQ(::send(pair[0], "abc", 3, 0), -1);
    EXPECT_EQ(errno, ECONNRESET);
  }
  ASSERT_EQ(::send(pair[0], "abc", 3, 0), 3);
  {
    auto rules = Injector().Scope({faultline::Partial("short").Target("posix.recv")});
    char buffer[3];
    const ssize_t got = ::recv(pair[1], buffer, sizeof buffer, 0);
    EXPECT_GE(got, 1);
    EXPECT_LT(got, 3);
  }
  {
    auto rules = Injector().Scope({Errno("intr", EINTR).Target("posix.poll")});
    struct pollfd fds[] = {{pair[1], POLLIN, 0}};
    EXPECT_EQ(::poll(fds, 1, 0), -1);
    EXPECT_EQ(errno, EINTR);
  }
  {
    auto rules = Injector().Scope({faultline::Return("nothing", 0).Target("posix.poll")});
    struct pollfd fds[] = {{pair[1], POLLIN, 0}};
    EXPECT_EQ(::poll(fds, 1, 0), 0) << "a value rule makes a poll time out";
  }
  {
    auto rules = Injector().Scope({Exception("refused").Target("posix.connect")});
    const int client = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(client, 0);
    struct sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(9);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    errno = 0;
    EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), -1);
    EXPECT_EQ(errno, ECONNREFUSED);
    ::close(client);
  }
  {
    auto rules = Injector().Scope({Exception("dns").Target("posix.getaddrinfo")});
    struct addrinfo* result = nullptr;
    EXPECT_EQ(::getaddrinfo("localhost", "80", nullptr, &result), EAI_AGAIN);
  }
  {
    auto rules = Injector().Scope({Errno("dns", ENOBUFS).Target("posix.getaddrinfo")});
    struct addrinfo* result = nullptr;
    errno = 0;
    EXPECT_EQ(::getaddrinfo("localhost", "80", nullptr, &result), EAI_SYSTEM);
    EXPECT_EQ(errno, ENOBUFS);
  }
  ::close(pair[0]);
  ::close(pair[1]);
}

TEST_F(PosixTest, MallocFamilyReturnsNullWithEnomem) {
  auto rules = Injector().Scope({Exception("oom").Target("alloc.*").Sizes(1000, 2000)});
  void* small = std::malloc(10);
  EXPECT_NE(small, nullptr) << "outside the size range";
  errno = 0;
  EXPECT_EQ(std::malloc(1500), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  EXPECT_EQ(std::calloc(3, 500), nullptr);
  void* grown = std::realloc(small, 1200);
  EXPECT_EQ(grown, nullptr);
  EXPECT_EQ(std::aligned_alloc(64, 1024), nullptr);
  void* aligned = nullptr;
  EXPECT_EQ(::posix_memalign(&aligned, 64, 1024), ENOMEM);
  // A failed realloc leaves the old block to the caller.
  if (grown == nullptr) {
    std::free(small);
  } else {
    std::free(grown);
  }
}

TEST_F(PosixTest, OperatorNewThrowsBadAllocAndNothrowFormsReturnNull) {
  struct alignas(64) Aligned {
    char bytes[64];
  };
  // An allocation whose result is unused may be elided by the optimizer: each one escapes.
  const auto keep = [](auto* pointer) { asm volatile("" : : "r"(pointer) : "memory"); };
  auto rules = Injector().Scope({Exception("oom").Target("alloc.new*").Sizes(4096, 4096)});
  EXPECT_THROW(keep(new char[4096]), std::bad_alloc);
  EXPECT_THROW(keep(new std::array<char, 4096>), std::bad_alloc);
  EXPECT_EQ((new (std::nothrow) std::array<char, 4096>), nullptr);
  EXPECT_EQ(new (std::nothrow) char[4096], nullptr);
  EXPECT_THROW(keep(new Aligned[64]), std::bad_alloc);
  EXPECT_EQ(new (std::nothrow) Aligned[64], nullptr);
  auto* fine = new char[16];
  keep(fine);
  delete[] fine;
  EXPECT_EQ(FiredCount("oom"), 6u);
}

TEST_F(PosixTest, TheSameSeedFailsTheSameCalls) {
  const auto failing_calls = [&] {
    std::vector<std::uint64_t> calls;
    const int fd = Create("data");
    auto rules = Injector().Scope({Errno("flaky", EIO).Target("posix.write").Probability(0.3)});
    for (int i = 0; i < 200; ++i) static_cast<void>(::write(fd, "a", 1));
    ::close(fd);
    for (const FaultEvent& event : Events()) calls.push_back(event.call);
    return calls;
  };
  const std::uint64_t seed = Injector().seed();
  const std::vector<std::uint64_t> first = failing_calls();
  Injector().Reset();
  Injector().SetSeed(seed);
  EXPECT_EQ(failing_calls(), first);
  EXPECT_FALSE(first.empty());
}

}  // namespace

namespace {

// One interposed function, called so that it would succeed: `call` returns true when the call
// reported failure (its failure value) and leaves errno as the call set it.
struct FunctionCase {
  const char* function;
  const char* target;
  std::function<bool(PosixTest&)> call;
};

// Builds a call of each interposed function on resources the fixture made.
class EveryFunctionTest : public PosixTest {
 protected:
  void SetUp() override {
    PosixTest::SetUp();
    file_ = Create("file");
    ASSERT_EQ(::write(file_, "0123456789", 10), 10);
    stream_ = std::fopen(Path("stream").c_str(), "w+");
    ASSERT_NE(stream_, nullptr);
    ASSERT_EQ(std::fwrite("0123456789", 1, 10, stream_), 10u);
    std::rewind(stream_);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair_), 0);
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un address {};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", Path("socket").c_str());
    ASSERT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener_, 4), 0);
    address_ = address;
    epoll_ = ::epoll_create1(0);
  }
  void TearDown() override {
    for (int fd : {file_, pair_[0], pair_[1], listener_, epoll_}) ::close(fd);
    if (stream_ != nullptr) std::fclose(stream_);
    PosixTest::TearDown();
  }

 public:
  int file_ = -1;
  std::FILE* stream_ = nullptr;
  int pair_[2] = {-1, -1};
  int listener_ = -1;
  struct sockaddr_un address_ {};
  int epoll_ = -1;
};

std::vector<FunctionCase> EveryFunction() {
  static char buffer[64];
  return {
      {"open", "posix.open",
       [](PosixTest& t) {
         return ::open(t.Path("o").c_str(), O_CREAT | O_WRONLY, 0600) < 0;
       }},
      {"openat", "posix.openat",
       [](PosixTest& t) {
         return ::openat(AT_FDCWD, t.Path("oa").c_str(), O_CREAT | O_WRONLY, 0600) < 0;
       }},
      {"creat", "posix.creat", [](PosixTest& t) { return ::creat(t.Path("c").c_str(), 0600) < 0; }},
      {"close", "posix.close",
       [](PosixTest& t) { return ::close(::open(t.Path("file").c_str(), O_RDONLY)) < 0; }},
      {"read", "posix.read",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         return ::read(f.file_, buffer, 1) < 0;
       }},
      {"pread", "posix.pread",
       [](PosixTest& t) {
         return ::pread(static_cast<EveryFunctionTest&>(t).file_, buffer, 1, 0) < 0;
       }},
      {"readv", "posix.readv",
       [](PosixTest& t) {
         struct iovec part {buffer, 1};
         return ::readv(static_cast<EveryFunctionTest&>(t).file_, &part, 1) < 0;
       }},
      {"write", "posix.write",
       [](PosixTest& t) { return ::write(static_cast<EveryFunctionTest&>(t).file_, "x", 1) < 0; }},
      {"pwrite", "posix.pwrite",
       [](PosixTest& t) {
         return ::pwrite(static_cast<EveryFunctionTest&>(t).file_, "x", 1, 0) < 0;
       }},
      {"writev", "posix.writev",
       [](PosixTest& t) {
         struct iovec part {const_cast<char*>("x"), 1};
         return ::writev(static_cast<EveryFunctionTest&>(t).file_, &part, 1) < 0;
       }},
      {"fsync", "posix.fsync",
       [](PosixTest& t) { return ::fsync(static_cast<EveryFunctionTest&>(t).file_) < 0; }},
      {"fdatasync", "posix.fdatasync",
       [](PosixTest& t) { return ::fdatasync(static_cast<EveryFunctionTest&>(t).file_) < 0; }},
      {"ftruncate", "posix.ftruncate",
       [](PosixTest& t) { return ::ftruncate(static_cast<EveryFunctionTest&>(t).file_, 5) < 0; }},
      {"rename", "posix.rename",
       [](PosixTest& t) {
         const int fd = ::creat(t.Path("from").c_str(), 0600);
         ::close(fd);
         return ::rename(t.Path("from").c_str(), t.Path("to").c_str()) < 0;
       }},
      {"unlink", "posix.unlink",
       [](PosixTest& t) {
         ::close(::creat(t.Path("gone").c_str(), 0600));
         return ::unlink(t.Path("gone").c_str()) < 0;
       }},
      {"mkdir", "posix.mkdir", [](PosixTest& t) { return ::mkdir(t.Path("d").c_str(), 0700) < 0; }},
      {"fopen", "posix.fopen",
       [](PosixTest& t) {
         std::FILE* file = std::fopen(t.Path("fo").c_str(), "w");
         if (file != nullptr) std::fclose(file);
         return file == nullptr;
       }},
      {"fread", "posix.fread",
       [](PosixTest& t) {
         return std::fread(buffer, 1, 1, static_cast<EveryFunctionTest&>(t).stream_) != 1;
       }},
      {"fwrite", "posix.fwrite",
       [](PosixTest& t) {
         return std::fwrite("x", 1, 1, static_cast<EveryFunctionTest&>(t).stream_) != 1;
       }},
      {"fflush", "posix.fflush",
       [](PosixTest& t) { return std::fflush(static_cast<EveryFunctionTest&>(t).stream_) != 0; }},
      {"fclose", "posix.fclose",
       [](PosixTest& t) {
         std::FILE* file = std::fopen(t.Path("fc").c_str(), "w");
         return file == nullptr || std::fclose(file) != 0;
       }},
      {"socket", "posix.socket",
       [](PosixTest&) {
         const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
         if (fd >= 0) ::close(fd);
         return fd < 0;
       }},
      {"connect", "posix.connect",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
         const int result = ::connect(fd, reinterpret_cast<sockaddr*>(&f.address_),
                                      sizeof f.address_);
         const int error = errno;
         ::close(fd);
         errno = error;
         return result < 0;
       }},
      {"accept", "posix.accept",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         const int client = ::socket(AF_UNIX, SOCK_STREAM, 0);
         ::connect(client, reinterpret_cast<sockaddr*>(&f.address_), sizeof f.address_);
         const int fd = ::accept(f.listener_, nullptr, nullptr);
         const int error = errno;
         if (fd >= 0) ::close(fd);
         ::close(client);
         errno = error;
         return fd < 0;
       }},
      {"accept4", "posix.accept4",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         const int client = ::socket(AF_UNIX, SOCK_STREAM, 0);
         ::connect(client, reinterpret_cast<sockaddr*>(&f.address_), sizeof f.address_);
         const int fd = ::accept4(f.listener_, nullptr, nullptr, SOCK_CLOEXEC);
         const int error = errno;
         if (fd >= 0) ::close(fd);
         ::close(client);
         errno = error;
         return fd < 0;
       }},
      {"send", "posix.send",
       [](PosixTest& t) { return ::send(static_cast<EveryFunctionTest&>(t).pair_[0], "x", 1, 0) < 0; }},
      {"sendto", "posix.sendto",
       [](PosixTest& t) {
         return ::sendto(static_cast<EveryFunctionTest&>(t).pair_[0], "x", 1, 0, nullptr, 0) < 0;
       }},
      {"sendmsg", "posix.sendmsg",
       [](PosixTest& t) {
         struct iovec part {const_cast<char*>("x"), 1};
         struct msghdr message {};
         message.msg_iov = &part;
         message.msg_iovlen = 1;
         return ::sendmsg(static_cast<EveryFunctionTest&>(t).pair_[0], &message, 0) < 0;
       }},
      {"recv", "posix.recv",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         ::send(f.pair_[1], "x", 1, 0);
         return ::recv(f.pair_[0], buffer, 1, 0) < 0;
       }},
      {"recvfrom", "posix.recvfrom",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         ::send(f.pair_[1], "x", 1, 0);
         return ::recvfrom(f.pair_[0], buffer, 1, 0, nullptr, nullptr) < 0;
       }},
      {"recvmsg", "posix.recvmsg",
       [](PosixTest& t) {
         auto& f = static_cast<EveryFunctionTest&>(t);
         ::send(f.pair_[1], "x", 1, 0);
         struct iovec part {buffer, 1};
         struct msghdr message {};
         message.msg_iov = &part;
         message.msg_iovlen = 1;
         return ::recvmsg(f.pair_[0], &message, 0) < 0;
       }},
      {"poll", "posix.poll",
       [](PosixTest& t) {
         struct pollfd fds[] = {{static_cast<EveryFunctionTest&>(t).pair_[0], POLLOUT, 0}};
         return ::poll(fds, 1, 0) < 0;
       }},
      {"epoll_wait", "posix.epoll_wait",
       [](PosixTest& t) {
         struct epoll_event events[1];
         return ::epoll_wait(static_cast<EveryFunctionTest&>(t).epoll_, events, 1, 0) < 0;
       }},
      {"malloc", "alloc.malloc",
       [](PosixTest&) {
         void* p = std::malloc(24);
         std::free(p);
         return p == nullptr;
       }},
      {"calloc", "alloc.calloc",
       [](PosixTest&) {
         void* p = std::calloc(3, 8);
         std::free(p);
         return p == nullptr;
       }},
      {"realloc", "alloc.realloc",
       [](PosixTest&) {
         void* p = std::malloc(8);
         void* q = std::realloc(p, 64);
         std::free(q != nullptr ? q : p);
         return q == nullptr;
       }},
      {"aligned_alloc", "alloc.aligned_alloc",
       [](PosixTest&) {
         void* p = std::aligned_alloc(64, 128);
         std::free(p);
         return p == nullptr;
       }},
      {"posix_memalign", "alloc.posix_memalign",
       [](PosixTest&) {
         void* p = nullptr;
         const int result = ::posix_memalign(&p, 64, 128);
         std::free(p);
         errno = result;  // posix_memalign reports its error as its result
         return result != 0;
       }},
  };
}

TEST_F(EveryFunctionTest, EachFailsWithTheErrnoItsRuleNamesAndPassesThroughWithout) {
  for (const FunctionCase& c : EveryFunction()) {
    SCOPED_TRACE(c.function);
    {
      auto rules = Injector().Scope({Errno("edom", EDOM).Target(c.target)});
      errno = 0;
      EXPECT_TRUE(c.call(*this)) << c.function << " did not fail";
      EXPECT_EQ(errno, EDOM);
    }
    errno = 0;
    EXPECT_FALSE(c.call(*this)) << c.function << " failed without a rule: "
                                << std::strerror(errno);
  }
  // Every target saw exactly one fault.
  EXPECT_EQ(Events().size(), EveryFunction().size());
}

}  // namespace
