#include "readers/line_source.h"

#include <algorithm>
#include <cstring>

#include "readers/decompress.h"

namespace kstarve {

LineSource::LineSource(std::unique_ptr<ByteSource> input, std::string name, size_t max_line_bytes, size_t chunk_bytes)
    : input_(std::move(input)),
      name_(std::move(name)),
      max_line_bytes_(max_line_bytes),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 64)) {}

bool LineSource::Next(std::string_view& line) {
  if (!status_.ok()) return false;
  for (;;) {
    if (scan_ < end_) {
      const char* base = buf_.get();
      const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - base);
        size_t start = begin_;
        begin_ = scan_ = pos + 1;
        ++lines_;
        if (discarding_) {  // the end of an overlong line, already counted
          discarding_ = false;
          continue;
        }
        size_t len = pos - start;
        if (len > max_line_bytes_) {
          ++overlong_;
          continue;
        }
        if (len > 0 && base[start + len - 1] == '\r') --len;
        line = std::string_view(base + start, len);
        return true;
      }
      scan_ = end_;
    }
    // No newline in what is buffered.
    if (discarding_) {
      begin_ = scan_ = end_ = 0;
    } else if (end_ - begin_ > max_line_bytes_) {
      discarding_ = true;
      ++overlong_;
      begin_ = scan_ = end_ = 0;
    }
    if (eof_) {
      if (discarding_) {  // an overlong last line without '\n'
        discarding_ = false;
        ++lines_;
        return false;
      }
      if (end_ > begin_) {  // a last line without '\n'
        size_t len = end_ - begin_;
        const char* start = buf_.get() + begin_;
        begin_ = scan_ = end_;
        ++lines_;
        if (start[len - 1] == '\r') --len;
        line = std::string_view(start, len);
        return true;
      }
      return false;
    }
    if (!Fill()) return false;
  }
}

bool LineSource::Fill() {
  size_t pending = end_ - begin_;
  if (begin_ > 0 && pending > 0) std::memmove(buf_.get(), buf_.get() + begin_, pending);
  scan_ -= begin_;
  begin_ = 0;
  end_ = pending;
  // Room for a whole chunk after the pending part of a line; the pending part
  // never exceeds max_line_bytes, so the buffer stays bounded.
  size_t needed = pending + chunk_bytes_;
  if (capacity_ < needed) {
    size_t grown = std::max(needed, capacity_ * 2);
    auto bigger = std::make_unique_for_overwrite<char[]>(grown);
    if (pending > 0) std::memcpy(bigger.get(), buf_.get(), pending);
    buf_ = std::move(bigger);
    capacity_ = grown;
  }
  Result<size_t> n = input_->Read(buf_.get() + end_, capacity_ - end_);
  if (!n.ok()) {
    status_ = Status::Error(name_ + ":" + std::to_string(lines_ + 1) + ": " + n.status().message());
    return false;
  }
  if (*n == 0) eof_ = true;
  end_ += *n;
  bytes_ += *n;
  return true;
}

namespace {

Result<std::unique_ptr<LineSource>> WrapWithLines(std::unique_ptr<ByteSource> raw, std::string name,
                                                  size_t max_line_bytes, size_t chunk_bytes) {
  Result<std::unique_ptr<ByteSource>> decoded = DecompressingSource(std::move(raw));
  if (!decoded.ok()) return Status::Error(name + ": " + decoded.status().message());
  return std::make_unique<LineSource>(std::move(*decoded), std::move(name), max_line_bytes, chunk_bytes);
}

}  // namespace

Result<std::unique_ptr<LineSource>> OpenLineSource(const std::string& path, size_t max_line_bytes) {
  std::string name = path == "-" ? "<stdin>" : path;
  Result<std::unique_ptr<ByteSource>> raw = OpenFileByteSource(path);
  if (!raw.ok()) return Status::Error(name + ": " + raw.status().message());
  return WrapWithLines(std::move(*raw), std::move(name), max_line_bytes, LineSource::kDefaultChunkBytes);
}

Result<std::unique_ptr<LineSource>> OpenBufferLineSource(std::string_view data, std::string name,
                                                         size_t max_line_bytes) {
  // Small inputs (tests, fuzzing) need no megabyte buffer.
  size_t chunk = std::clamp<size_t>(data.size() + 1, 4096, LineSource::kDefaultChunkBytes);
  return WrapWithLines(MemoryByteSource(data), std::move(name), max_line_bytes, chunk);
}

}  // namespace kstarve
