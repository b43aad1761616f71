// LineSource: the lines of an input, without a copy or an allocation per line.
//
// Input is read in large chunks (decompressed on the way if it is gzip or
// zstd) and split at '\n'; a trailing '\r' is dropped. A line longer than
// `max_line_bytes` is skipped and counted, and is never held whole in memory:
// once it outgrows the limit the rest of it is discarded as it streams by.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "readers/byte_source.h"

namespace kstarve {

class LineSource {
 public:
  static constexpr size_t kDefaultChunkBytes = 1 << 20;

  // `name` is used in error messages; `chunk_bytes` is how much is read at once.
  LineSource(std::unique_ptr<ByteSource> input, std::string name, size_t max_line_bytes,
             size_t chunk_bytes = kDefaultChunkBytes);

  // Stores the next line in `line` (valid until the next call). Returns false
  // at the end of the input or on an error; then status() tells which.
  bool Next(std::string_view& line);

  const Status& status() const { return status_; }
  const std::string& name() const { return name_; }
  uint64_t line_number() const { return lines_; }  // lines seen so far, overlong ones included
  uint64_t overlong_lines() const { return overlong_; }
  uint64_t bytes() const { return bytes_; }  // (decompressed) bytes read so far

 private:
  bool Fill();  // reads more input after the pending bytes; false on error

  std::unique_ptr<ByteSource> input_;
  std::string name_;
  size_t max_line_bytes_;
  size_t chunk_bytes_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t begin_ = 0;  // start of the line being assembled
  size_t scan_ = 0;   // bytes before this are known to hold no '\n'
  size_t end_ = 0;    // end of the bytes read
  bool eof_ = false;
  bool discarding_ = false;  // inside an overlong line, dropping its bytes
  uint64_t lines_ = 0;
  uint64_t overlong_ = 0;
  uint64_t bytes_ = 0;
  Status status_;
};

// Opens `path` ("-" for stdin) with transparent decompression. Errors name
// the file: "trace.txt: cannot open: No such file or directory".
Result<std::unique_ptr<LineSource>> OpenLineSource(const std::string& path, size_t max_line_bytes);

// The same over bytes in memory (which may be compressed too).
Result<std::unique_ptr<LineSource>> OpenBufferLineSource(std::string_view data, std::string name,
                                                         size_t max_line_bytes);

}  // namespace kstarve
