// ByteSource: where raw input bytes come from (a file, stdin or memory).
//
// Readers pull large chunks from a ByteSource; decompression and line
// splitting are layered on top (decompress.h, line_source.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kstarve {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `capacity` bytes into `dst`; 0 means the input has ended.
  // Error messages say what failed but not which file: the caller knows that.
  virtual Result<size_t> Read(char* dst, size_t capacity) = 0;
};

// Opens `path` for reading, or standard input for "-".
Result<std::unique_ptr<ByteSource>> OpenFileByteSource(const std::string& path);

// Serves `data`, which must outlive the source.
std::unique_ptr<ByteSource> MemoryByteSource(std::string_view data);

}  // namespace kstarve
