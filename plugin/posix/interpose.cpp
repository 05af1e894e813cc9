// The interposed libc entry points. Each forwards to the real function at once unless a test is
// running (one relaxed load); then it checks its target and fails, shortens, corrupts or delays
// the call as the rule that fired says. glibc's fortified (_chk) and 64-bit variants are the
// same targets as their plain forms.
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

#include "check.hpp"

using faultline::internal::CallContext;
using faultline::internal::HarnessScope;
using faultline::internal::t_harness_depth;
using faultline::posix::internal::Armed;
using faultline::posix::internal::CorruptBytes;
using faultline::posix::internal::Fault;
using faultline::posix::internal::PartialCount;
using faultline::posix::internal::RealFunction;
using faultline::posix::internal::RememberPath;
using faultline::posix::internal::Target;

extern "C" {
ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen);
ssize_t __pread_chk(int fd, void* buf, size_t n, off_t offset, size_t buflen);
ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t offset, size_t buflen);
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);
int __openat_2(int dir, const char* path, int flags);
int __openat64_2(int dir, const char* path, int flags);
size_t __fread_chk(void* ptr, size_t ptrlen, size_t size, size_t n, FILE* stream);
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags,
                       struct sockaddr* from, socklen_t* fromlen);
int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t fdslen);
}

namespace {

// The real functions. decltype(&::read) carries glibc's nonnull and warn-unused-result
// attributes, which do not apply to a function pointer: nothing is lost by ignoring them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#define FAULTLINE_INTERNAL_REAL(name) RealFunction<decltype(&::name)> real_##name(#name)
FAULTLINE_INTERNAL_REAL(open);
FAULTLINE_INTERNAL_REAL(open64);
FAULTLINE_INTERNAL_REAL(__open_2);
FAULTLINE_INTERNAL_REAL(__open64_2);
FAULTLINE_INTERNAL_REAL(openat);
FAULTLINE_INTERNAL_REAL(openat64);
FAULTLINE_INTERNAL_REAL(__openat_2);
FAULTLINE_INTERNAL_REAL(__openat64_2);
FAULTLINE_INTERNAL_REAL(creat);
FAULTLINE_INTERNAL_REAL(creat64);
FAULTLINE_INTERNAL_REAL(close);
FAULTLINE_INTERNAL_REAL(read);
FAULTLINE_INTERNAL_REAL(__read_chk);
FAULTLINE_INTERNAL_REAL(pread);
FAULTLINE_INTERNAL_REAL(pread64);
FAULTLINE_INTERNAL_REAL(__pread_chk);
FAULTLINE_INTERNAL_REAL(__pread64_chk);
FAULTLINE_INTERNAL_REAL(readv);
FAULTLINE_INTERNAL_REAL(write);
FAULTLINE_INTERNAL_REAL(pwrite);
FAULTLINE_INTERNAL_REAL(pwrite64);
FAULTLINE_INTERNAL_REAL(writev);
FAULTLINE_INTERNAL_REAL(fsync);
FAULTLINE_INTERNAL_REAL(fdatasync);
FAULTLINE_INTERNAL_REAL(ftruncate);
FAULTLINE_INTERNAL_REAL(ftruncate64);
FAULTLINE_INTERNAL_REAL(rename);
FAULTLINE_INTERNAL_REAL(unlink);
FAULTLINE_INTERNAL_REAL(mkdir);
FAULTLINE_INTERNAL_REAL(fopen);
FAULTLINE_INTERNAL_REAL(fopen64);
FAULTLINE_INTERNAL_REAL(fread);
FAULTLINE_INTERNAL_REAL(__fread_chk);
FAULTLINE_INTERNAL_REAL(fwrite);
FAULTLINE_INTERNAL_REAL(fflush);
FAULTLINE_INTERNAL_REAL(fclose);
FAULTLINE_INTERNAL_REAL(socket);
FAULTLINE_INTERNAL_REAL(connect);
FAULTLINE_INTERNAL_REAL(accept);
FAULTLINE_INTERNAL_REAL(accept4);
FAULTLINE_INTERNAL_REAL(send);
FAULTLINE_INTERNAL_REAL(sendto);
FAULTLINE_INTERNAL_REAL(sendmsg);
FAULTLINE_INTERNAL_REAL(recv);
FAULTLINE_INTERNAL_REAL(__recv_chk);
FAULTLINE_INTERNAL_REAL(recvfrom);
FAULTLINE_INTERNAL_REAL(__recvfrom_chk);
FAULTLINE_INTERNAL_REAL(recvmsg);
FAULTLINE_INTERNAL_REAL(poll);
FAULTLINE_INTERNAL_REAL(__poll_chk);
FAULTLINE_INTERNAL_REAL(epoll_wait);
FAULTLINE_INTERNAL_REAL(getaddrinfo);
#undef FAULTLINE_INTERNAL_REAL
#pragma GCC diagnostic pop

// The targets, with the error a rule that names none fails them with: the first error their
// man page lists that a correct caller can meet (EBADF, EFAULT and EINVAL mean a caller's bug).
Target t_open{"posix.open", EACCES};
Target t_openat{"posix.openat", EACCES};
Target t_creat{"posix.creat", EACCES};
Target t_close{"posix.close", EIO};
Target t_read{"posix.read", EIO};
Target t_pread{"posix.pread", EIO};
Target t_readv{"posix.readv", EIO};
Target t_write{"posix.write", EIO};
Target t_pwrite{"posix.pwrite", EIO};
Target t_writev{"posix.writev", EIO};
Target t_fsync{"posix.fsync", EIO};
Target t_fdatasync{"posix.fdatasync", EIO};
Target t_ftruncate{"posix.ftruncate", EIO};
Target t_rename{"posix.rename", EACCES};
Target t_unlink{"posix.unlink", EACCES};
Target t_mkdir{"posix.mkdir", EACCES};
Target t_fopen{"posix.fopen", EACCES};
Target t_fread{"posix.fread", EIO};
Target t_fwrite{"posix.fwrite", EIO};
Target t_fflush{"posix.fflush", EIO};
Target t_fclose{"posix.fclose", EIO};
Target t_socket{"posix.socket", EMFILE};
Target t_connect{"posix.connect", ECONNREFUSED};
Target t_accept{"posix.accept", ECONNABORTED};
Target t_accept4{"posix.accept4", ECONNABORTED};
Target t_send{"posix.send", ECONNRESET};
Target t_sendto{"posix.sendto", ECONNRESET};
Target t_sendmsg{"posix.sendmsg", ECONNRESET};
Target t_recv{"posix.recv", ECONNRESET};
Target t_recvfrom{"posix.recvfrom", ECONNRESET};
Target t_recvmsg{"posix.recvmsg", ECONNRESET};
Target t_poll{"posix.poll", EINTR};
Target t_epoll_wait{"posix.epoll_wait", EINTR};
Target t_getaddrinfo{"posix.getaddrinfo", EAGAIN};

// Calls made by harness code, and calls on the standard streams (the frameworks' output), are
// neither faulted nor counted; Check excludes the framework's other descriptors.
bool Eligible() { return t_harness_depth == 0; }
bool EligibleDescriptor(int fd) { return t_harness_depth == 0 && fd > STDERR_FILENO; }
bool EligibleStream(FILE* stream) {
  return t_harness_depth == 0 && stream != stdin && stream != stdout && stream != stderr;
}

CallContext PathCall(const char* path) {
  CallContext context;
  context.path = path;
  return context;
}
CallContext DescriptorCall(int fd) {
  CallContext context;
  context.descriptor = fd;
  return context;
}
CallContext TransferCall(int fd, size_t size) {
  CallContext context;
  context.descriptor = fd;
  context.size = size;
  context.has_size = true;
  return context;
}

// A call that returns `failure` with errno set on a fault, or a rule's value.
template <class R, class Call>
R Simple(Target& target, const CallContext& context, R failure, Call call) {
  const Fault fault = faultline::posix::internal::Check(target, context);
  switch (fault.kind) {
    case Fault::kError:
      errno = fault.error;
      return failure;
    case Fault::kValue:
      // A call returning a pointer can only fail: its value is null.
      if constexpr (std::is_pointer_v<R>) {
        return failure;
      } else {
        return static_cast<R>(fault.value);
      }
    default:
      return call();
  }
}

// open, openat, creat, fopen: checked like Simple while a test runs, and the descriptor's path
// remembered always (a path filter must know descriptors opened before the test).
template <class R, class Call, class Descriptor>
R Open(Target& target, int dir, const char* path, R failure, Call call, Descriptor descriptor) {
  const bool check = Armed() && Eligible();
  HarnessScope scope;
  const R result = check ? Simple<R>(target, PathCall(path), failure, call) : call();
  if (result != failure) RememberPath(descriptor(result), dir, path);
  return result;
}
template <class Call>
int OpenDescriptor(Target& target, int dir, const char* path, Call call) {
  return Open<int>(target, dir, path, -1, call, [](int fd) { return fd; });
}

// The checked paths below are out of line, and the calls they take capture by value (a local
// captured by reference needs a stack slot on every path), so that the disarmed path of an
// entry point is a load, a branch and a tail call of the real function: no frame.

// A read-like (`into`) or write-like call of `n` bytes at `data`; `call(count, data)` moves
// `count` bytes at `data`. A write's buffer is const, yet `data` is not: passed as const, read's
// buffer, which glibc declares write-only, would look to the compiler like a read of it.
template <class Call>
__attribute__((noinline)) ssize_t Transfer(Target& target, int fd, void* data, size_t n, bool into,
                                           Call call) {
  HarnessScope scope;
  const Fault fault = faultline::posix::internal::Check(target, TransferCall(fd, n));
  switch (fault.kind) {
    case Fault::kNone:
      return call(n, data);
    case Fault::kError:
      errno = fault.error;
      return -1;
    case Fault::kValue:
      return static_cast<ssize_t>(fault.value);
    case Fault::kPartial:
      return call(PartialCount(n, fault.stream), data);
    case Fault::kCorrupt:
      break;
  }
  if (into) {
    const ssize_t got = call(n, data);
    if (got > 0) CorruptBytes(data, static_cast<size_t>(got), fault.stream);
    return got;
  }
  // The caller's buffer is const: a corrupted copy is written.
  std::vector<unsigned char> copy(static_cast<const unsigned char*>(data),
                                  static_cast<const unsigned char*>(data) + n);
  CorruptBytes(copy.data(), n, fault.stream);
  return call(n, copy.data());
}

size_t TotalLength(const struct iovec* iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  return total;
}

// readv, writev, sendmsg, recvmsg: `call(iov, count)` with the caller's vector, or a shortened
// or corrupted copy.
template <class Call>
__attribute__((noinline)) ssize_t VectorTransfer(Target& target, int fd, const struct iovec* iov,
                                                 int count, bool into, Call call) {
  HarnessScope scope;
  const size_t total = iov != nullptr && count > 0 ? TotalLength(iov, count) : 0;
  const Fault fault = faultline::posix::internal::Check(target, TransferCall(fd, total));
  switch (fault.kind) {
    case Fault::kNone:
      return call(iov, count);
    case Fault::kError:
      errno = fault.error;
      return -1;
    case Fault::kValue:
      return static_cast<ssize_t>(fault.value);
    case Fault::kPartial: {
      size_t left = PartialCount(total, fault.stream);
      std::vector<struct iovec> shorter;
      for (int i = 0; i < count && left > 0; ++i) {
        shorter.push_back(iov[i]);
        shorter.back().iov_len = std::min(iov[i].iov_len, left);
        left -= shorter.back().iov_len;
      }
      return call(shorter.data(), static_cast<int>(shorter.size()));
    }
    case Fault::kCorrupt:
      break;
  }
  if (into) {
    const ssize_t got = call(iov, count);
    for (int i = 0; got > 0 && i < count; ++i) {
      if (iov[i].iov_len == 0) continue;
      CorruptBytes(iov[i].iov_base, std::min(iov[i].iov_len, static_cast<size_t>(got)),
                   fault.stream);
      break;
    }
    return got;
  }
  std::vector<unsigned char> bytes;
  bytes.reserve(total);
  for (int i = 0; i < count; ++i) {
    const auto* base = static_cast<const unsigned char*>(iov[i].iov_base);
    bytes.insert(bytes.end(), base, base + iov[i].iov_len);
  }
  CorruptBytes(bytes.data(), bytes.size(), fault.stream);
  struct iovec whole {
    bytes.data(), bytes.size()
  };
  return call(&whole, 1);
}

// fread, fwrite: `call(items, data)` moves `items` items of `size` bytes at `data`.
template <class Call>
__attribute__((noinline)) size_t StreamTransfer(Target& target, FILE* stream, const void* buffer,
                                                size_t size, size_t n, bool into, Call call) {
  HarnessScope scope;
  void* data = const_cast<void*>(buffer);
  const Fault fault =
      faultline::posix::internal::Check(target, TransferCall(fileno(stream), size * n));
  switch (fault.kind) {
    case Fault::kNone:
      return call(n, data);
    case Fault::kError:
      errno = fault.error;
      return 0;
    case Fault::kValue:
      return static_cast<size_t>(fault.value);
    case Fault::kPartial:
      return call(PartialCount(n, fault.stream), data);
    case Fault::kCorrupt:
      break;
  }
  if (into) {
    const size_t got = call(n, data);
    CorruptBytes(data, got * size, fault.stream);
    return got;
  }
  std::vector<unsigned char> copy(static_cast<const unsigned char*>(buffer),
                                  static_cast<const unsigned char*>(buffer) + size * n);
  CorruptBytes(copy.data(), copy.size(), fault.stream);
  return call(n, copy.data());
}

// A call with no data: checked, then made or failed.
template <class R, class Call>
__attribute__((noinline)) R Plain(Target& target, const CallContext& context, R failure,
                                  Call call) {
  HarnessScope scope;
  return Simple<R>(target, context, failure, call);
}

// close, fclose: checked when `check`, the descriptor's path forgotten before the call (once
// closed, its number may be reused by another thread's open), and the call made even when it
// fails, since a failed close has still released the descriptor, as on Linux.
template <class Call>
__attribute__((noinline)) int Release(Target& target, int fd, bool check, int failure,
                                      Call call) {
  HarnessScope scope;
  const Fault fault = check ? faultline::posix::internal::Check(target, DescriptorCall(fd))
                            : Fault();
  RememberPath(fd, AT_FDCWD, nullptr);
  const int result = call();
  if (fault.kind == Fault::kError) {
    errno = fault.error;
    return failure;
  }
  return fault.kind == Fault::kValue ? static_cast<int>(fault.value) : result;
}

mode_t ModeArgument(int flags, va_list args) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE
             ? static_cast<mode_t>(va_arg(args, int))
             : 0;
}

}  // namespace

// Each function: the disarmed path first (one load, then the real call), then the check.
#define FAULTLINE_INTERNAL_MODE(flags)  \
  va_list args;                         \
  va_start(args, flags);                \
  const mode_t mode = ModeArgument(flags, args); \
  va_end(args)

// The interposed functions keep default visibility in a build with hidden visibility: the
// executable, or faultline_preload, exports them to come before libc's.
#pragma GCC visibility push(default)
extern "C" {

// Files.

int open(const char* path, int flags, ...) {
  FAULTLINE_INTERNAL_MODE(flags);
  return OpenDescriptor(t_open, AT_FDCWD, path, [=] { return real_open(path, flags, mode); });
}
int open64(const char* path, int flags, ...) {
  FAULTLINE_INTERNAL_MODE(flags);
  return OpenDescriptor(t_open, AT_FDCWD, path,
                        [=] { return real_open64(path, flags, mode); });
}
int __open_2(const char* path, int flags) {
  return OpenDescriptor(t_open, AT_FDCWD, path, [=] { return real___open_2(path, flags); });
}
int __open64_2(const char* path, int flags) {
  return OpenDescriptor(t_open, AT_FDCWD, path,
                        [=] { return real___open64_2(path, flags); });
}
int openat(int dir, const char* path, int flags, ...) {
  FAULTLINE_INTERNAL_MODE(flags);
  return OpenDescriptor(t_openat, dir, path,
                        [=] { return real_openat(dir, path, flags, mode); });
}
int openat64(int dir, const char* path, int flags, ...) {
  FAULTLINE_INTERNAL_MODE(flags);
  return OpenDescriptor(t_openat, dir, path,
                        [=] { return real_openat64(dir, path, flags, mode); });
}
int __openat_2(int dir, const char* path, int flags) {
  return OpenDescriptor(t_openat, dir, path,
                        [=] { return real___openat_2(dir, path, flags); });
}
int __openat64_2(int dir, const char* path, int flags) {
  return OpenDescriptor(t_openat, dir, path,
                        [=] { return real___openat64_2(dir, path, flags); });
}
int creat(const char* path, mode_t mode) {
  return OpenDescriptor(t_creat, AT_FDCWD, path, [=] { return real_creat(path, mode); });
}
int creat64(const char* path, mode_t mode) {
  return OpenDescriptor(t_creat, AT_FDCWD, path, [=] { return real_creat64(path, mode); });
}

int close(int fd) {
  return Release(t_close, fd, Armed() && EligibleDescriptor(fd), -1,
                 [=] { return real_close(fd); });
}

#define FAULTLINE_INTERNAL_TRANSFER(target, fd, buffer, n, into, real_call)              \
  if (!Armed() || !EligibleDescriptor(fd)) return real_call(n, buffer);               \
  return Transfer(target, fd, const_cast<void*>(static_cast<const void*>(buffer)), n, into, \
                  [=](size_t count, void* data) { return real_call(count, data); })

ssize_t read(int fd, void* buf, size_t n) {
  auto real = [=](size_t count, void* data) { return real_read(fd, data, count); };
  FAULTLINE_INTERNAL_TRANSFER(t_read, fd, buf, n, true, real);
}
ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  auto real = [=](size_t count, void* data) {
    return real___read_chk(fd, data, count, buflen);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_read, fd, buf, n, true, real);
}
ssize_t pread(int fd, void* buf, size_t n, off_t offset) {
  auto real = [=](size_t count, void* data) { return real_pread(fd, data, count, offset); };
  FAULTLINE_INTERNAL_TRANSFER(t_pread, fd, buf, n, true, real);
}
ssize_t pread64(int fd, void* buf, size_t n, off64_t offset) {
  auto real = [=](size_t count, void* data) {
    return real_pread64(fd, data, count, offset);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_pread, fd, buf, n, true, real);
}
ssize_t __pread_chk(int fd, void* buf, size_t n, off_t offset, size_t buflen) {
  auto real = [=](size_t count, void* data) {
    return real___pread_chk(fd, data, count, offset, buflen);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_pread, fd, buf, n, true, real);
}
ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t offset, size_t buflen) {
  auto real = [=](size_t count, void* data) {
    return real___pread64_chk(fd, data, count, offset, buflen);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_pread, fd, buf, n, true, real);
}
ssize_t write(int fd, const void* buf, size_t n) {
  auto real = [=](size_t count, const void* data) { return real_write(fd, data, count); };
  FAULTLINE_INTERNAL_TRANSFER(t_write, fd, buf, n, false, real);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  auto real = [=](size_t count, const void* data) {
    return real_pwrite(fd, data, count, offset);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_pwrite, fd, buf, n, false, real);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t offset) {
  auto real = [=](size_t count, const void* data) {
    return real_pwrite64(fd, data, count, offset);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_pwrite, fd, buf, n, false, real);
}

ssize_t readv(int fd, const struct iovec* iov, int count) {
  if (!Armed() || !EligibleDescriptor(fd)) return real_readv(fd, iov, count);
  return VectorTransfer(t_readv, fd, iov, count, true, [=](const struct iovec* v, int c) {
    return real_readv(fd, v, c);
  });
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (!Armed() || !EligibleDescriptor(fd)) return real_writev(fd, iov, count);
  return VectorTransfer(t_writev, fd, iov, count, false, [=](const struct iovec* v, int c) {
    return real_writev(fd, v, c);
  });
}

#define FAULTLINE_INTERNAL_DESCRIPTOR_CALL(target, fd, real_call)                \
  if (!Armed() || !EligibleDescriptor(fd)) return real_call;                    \
  return Plain<int>(target, DescriptorCall(fd), -1, [=] { return real_call; })

int fsync(int fd) { FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_fsync, fd, real_fsync(fd)); }
int fdatasync(int fd) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_fdatasync, fd, real_fdatasync(fd));
}
int ftruncate(int fd, off_t length) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_ftruncate, fd, real_ftruncate(fd, length));
}
int ftruncate64(int fd, off64_t length) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_ftruncate, fd, real_ftruncate64(fd, length));
}

#define FAULTLINE_INTERNAL_PATH_CALL(target, path, real_call)          \
  if (!Armed() || !Eligible()) return real_call;                      \
  return Plain<int>(target, PathCall(path), -1, [=] { return real_call; })

int rename(const char* from, const char* to) noexcept {
  FAULTLINE_INTERNAL_PATH_CALL(t_rename, from, real_rename(from, to));
}
int unlink(const char* path) noexcept {
  FAULTLINE_INTERNAL_PATH_CALL(t_unlink, path, real_unlink(path));
}
int mkdir(const char* path, mode_t mode) noexcept {
  FAULTLINE_INTERNAL_PATH_CALL(t_mkdir, path, real_mkdir(path, mode));
}

// stdio.

FILE* fopen(const char* path, const char* mode) {
  return Open<FILE*>(t_fopen, AT_FDCWD, path, nullptr,
                     [=] { return real_fopen(path, mode); },
                     [](FILE* stream) { return fileno(stream); });
}
FILE* fopen64(const char* path, const char* mode) {
  return Open<FILE*>(t_fopen, AT_FDCWD, path, nullptr,
                     [=] { return real_fopen64(path, mode); },
                     [](FILE* stream) { return fileno(stream); });
}
size_t fread(void* ptr, size_t size, size_t n, FILE* stream) {
  if (!Armed() || !EligibleStream(stream)) return real_fread(ptr, size, n, stream);
  return StreamTransfer(t_fread, stream, ptr, size, n, true, [=](size_t items, void* data) {
    return real_fread(data, size, items, stream);
  });
}
size_t __fread_chk(void* ptr, size_t ptrlen, size_t size, size_t n, FILE* stream) {
  if (!Armed() || !EligibleStream(stream)) {
    return real___fread_chk(ptr, ptrlen, size, n, stream);
  }
  return StreamTransfer(t_fread, stream, ptr, size, n, true, [=](size_t items, void* data) {
    return real___fread_chk(data, ptrlen, size, items, stream);
  });
}
size_t fwrite(const void* ptr, size_t size, size_t n, FILE* stream) {
  if (!Armed() || !EligibleStream(stream)) return real_fwrite(ptr, size, n, stream);
  return StreamTransfer(t_fwrite, stream, ptr, size, n, false,
                        [=](size_t items, const void* data) {
                          return real_fwrite(data, size, items, stream);
                        });
}
int fflush(FILE* stream) {
  // fflush(nullptr) flushes every stream, the standard ones included: never faulted.
  if (!Armed() || stream == nullptr || !EligibleStream(stream)) return real_fflush(stream);
  return Plain<int>(t_fflush, DescriptorCall(fileno(stream)), EOF,
                    [=] { return real_fflush(stream); });
}
int fclose(FILE* stream) {
  return Release(t_fclose, fileno(stream), Armed() && EligibleStream(stream), EOF,
                 [=] { return real_fclose(stream); });
}

// Network.

int socket(int domain, int type, int protocol) noexcept {
  if (!Armed() || !Eligible()) return real_socket(domain, type, protocol);
  return Plain<int>(t_socket, CallContext{}, -1,
                    [=] { return real_socket(domain, type, protocol); });
}
int connect(int fd, const struct sockaddr* address, socklen_t length) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_connect, fd, real_connect(fd, address, length));
}
int accept(int fd, struct sockaddr* address, socklen_t* length) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_accept, fd, real_accept(fd, address, length));
}
int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_accept4, fd,
                                     real_accept4(fd, address, length, flags));
}
ssize_t send(int fd, const void* buf, size_t n, int flags) {
  auto real = [=](size_t count, const void* data) {
    return real_send(fd, data, count, flags);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_send, fd, buf, n, false, real);
}
ssize_t sendto(int fd, const void* buf, size_t n, int flags, const struct sockaddr* to,
               socklen_t length) {
  auto real = [=](size_t count, const void* data) {
    return real_sendto(fd, data, count, flags, to, length);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_sendto, fd, buf, n, false, real);
}
ssize_t recv(int fd, void* buf, size_t n, int flags) {
  auto real = [=](size_t count, void* data) { return real_recv(fd, data, count, flags); };
  FAULTLINE_INTERNAL_TRANSFER(t_recv, fd, buf, n, true, real);
}
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
  auto real = [=](size_t count, void* data) {
    return real___recv_chk(fd, data, count, buflen, flags);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_recv, fd, buf, n, true, real);
}
ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* from,
                 socklen_t* length) {
  auto real = [=](size_t count, void* data) {
    return real_recvfrom(fd, data, count, flags, from, length);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_recvfrom, fd, buf, n, true, real);
}
ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags,
                       struct sockaddr* from, socklen_t* length) {
  auto real = [=](size_t count, void* data) {
    return real___recvfrom_chk(fd, data, count, buflen, flags, from, length);
  };
  FAULTLINE_INTERNAL_TRANSFER(t_recvfrom, fd, buf, n, true, real);
}
ssize_t sendmsg(int fd, const struct msghdr* message, int flags) {
  if (!Armed() || !EligibleDescriptor(fd) || message == nullptr) {
    return real_sendmsg(fd, message, flags);
  }
  return VectorTransfer(t_sendmsg, fd, message->msg_iov, static_cast<int>(message->msg_iovlen),
                        false, [=](const struct iovec* v, int c) {
                          struct msghdr copy = *message;
                          copy.msg_iov = const_cast<struct iovec*>(v);
                          copy.msg_iovlen = static_cast<size_t>(c);
                          return real_sendmsg(fd, &copy, flags);
                        });
}
ssize_t recvmsg(int fd, struct msghdr* message, int flags) {
  if (!Armed() || !EligibleDescriptor(fd) || message == nullptr) {
    return real_recvmsg(fd, message, flags);
  }
  return VectorTransfer(t_recvmsg, fd, message->msg_iov, static_cast<int>(message->msg_iovlen),
                        true, [=](const struct iovec* v, int c) {
                          struct msghdr copy = *message;
                          copy.msg_iov = const_cast<struct iovec*>(v);
                          copy.msg_iovlen = static_cast<size_t>(c);
                          const ssize_t got = real_recvmsg(fd, &copy, flags);
                          message->msg_flags = copy.msg_flags;
                          message->msg_controllen = copy.msg_controllen;
                          message->msg_namelen = copy.msg_namelen;
                          return got;
                        });
}
int poll(struct pollfd* fds, nfds_t n, int timeout) {
  if (!Armed() || !Eligible()) return real_poll(fds, n, timeout);
  return Plain<int>(t_poll, CallContext{}, -1, [=] { return real_poll(fds, n, timeout); });
}
int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t fdslen) {
  if (!Armed() || !Eligible()) return real___poll_chk(fds, n, timeout, fdslen);
  return Plain<int>(t_poll, CallContext{}, -1,
                    [=] { return real___poll_chk(fds, n, timeout, fdslen); });
}
int epoll_wait(int fd, struct epoll_event* events, int max, int timeout) {
  FAULTLINE_INTERNAL_DESCRIPTOR_CALL(t_epoll_wait, fd,
                                     real_epoll_wait(fd, events, max, timeout));
}
int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                struct addrinfo** result) {
  auto call = [=] { return real_getaddrinfo(node, service, hints, result); };
  if (!Armed() || !Eligible()) return call();
  HarnessScope scope;
  const Fault fault = faultline::posix::internal::Check(t_getaddrinfo, CallContext{});
  switch (fault.kind) {
    case Fault::kError:
      // An errno rule reports a system error; any other failure is a temporary one.
      if (fault.error == t_getaddrinfo.default_error) return EAI_AGAIN;
      errno = fault.error;
      return EAI_SYSTEM;
    case Fault::kValue:
      return static_cast<int>(fault.value);
    default:
      return call();
  }
}

}  // extern "C"
#pragma GCC visibility pop
