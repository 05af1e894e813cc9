#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <faultline/gtest.hpp>
#include <faultline/posix.hpp>

FAULTLINE_TEST(ConsumerPosix, WriteFailsAsTheRuleSays,
               faultline::Expected(faultline::Errno("full", ENOSPC)
                                       .Target("posix.write")
                                       .Path("*.consumer"))) {
  const std::string path = "/tmp/faultline-" + std::to_string(::getpid()) + ".consumer";
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::write(fd, "x", 1), -1);
  EXPECT_EQ(errno, ENOSPC);
  ::close(fd);
  ::unlink(path.c_str());
}
