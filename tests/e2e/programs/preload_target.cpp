// A plain program that knows nothing of faultline, run by posix_e2e_test.cpp with
// libfaultline_preload.so in LD_PRELOAD: it writes each file named on its command line and
// reports the error it gets. Exits 1 when a file could not be written.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// "" or the error of the first call that failed.
std::string Save(const char* path, const std::string& text) {
  const int fd = ::open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return std::string("open: ") + std::strerror(errno);
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = std::string("write: ") + std::strerror(errno);
      ::close(fd);
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return std::string("close: ") + std::strerror(errno);
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string error = Save(argv[i], "hello from preload_target\n");
    if (error.empty()) {
      std::printf("%s: saved\n", argv[i]);
    } else {
      std::printf("%s: %s\n", argv[i], error.c_str());
      status = 1;
    }
  }
  return status;
}
