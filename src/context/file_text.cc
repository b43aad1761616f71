#include "context/file_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kstarve {

int ReadFileText(const std::string& path, std::string& out) {
  out.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  // One read is usually enough for /proc files: read into a stack buffer
  // first to avoid growing the string in small steps.
  char buf[4096];
  int error = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    // proc, sysfs and cgroupfs files return all they have in one read: a
    // short read is the end, which saves the extra read() per file.
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  ::close(fd);
  return error;
}

std::string ErrnoText(int error) {
  char buf[128];
  // GNU strerror_r returns the message (maybe not in buf).
  return ::strerror_r(error, buf, sizeof buf);
}

}  // namespace kstarve
