#include "readers/byte_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kstarve {
namespace {

class FdByteSource : public ByteSource {
 public:
  FdByteSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdByteSource() override {
    if (owned_) close(fd_);
  }
  FdByteSource(const FdByteSource&) = delete;
  FdByteSource& operator=(const FdByteSource&) = delete;

  Result<size_t> Read(char* dst, size_t capacity) override {
    for (;;) {
      ssize_t n = read(fd_, dst, capacity);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      return Status::Error(std::string("read error: ") + std::strerror(errno));
    }
  }

 private:
  int fd_;
  bool owned_;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* dst, size_t capacity) override {
    size_t n = std::min(capacity, data_.size());
    if (n > 0) std::memcpy(dst, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileByteSource(const std::string& path) {
  if (path == "-") return std::unique_ptr<ByteSource>(new FdByteSource(STDIN_FILENO, false));
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(std::string("cannot open: ") + std::strerror(errno));
  // The input is read once, front to back.
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(new FdByteSource(fd, true));
}

std::unique_ptr<ByteSource> MemoryByteSource(std::string_view data) {
  return std::make_unique<MemorySource>(data);
}

}  // namespace kstarve
