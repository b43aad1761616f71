// Transparent decompression, chosen by magic bytes and never by file name.
#pragma once

#include <memory>

#include "base/status.h"
#include "readers/byte_source.h"

namespace kstarve {

enum class Compression { kNone, kGzip, kZstd };

// Looks at the first bytes of `raw` and returns a source that yields the
// decompressed content (gzip, possibly multi-member, or zstd, possibly
// multi-frame), or `raw` itself, with the peeked bytes put back, for
// uncompressed input. Fails only when `raw` cannot be read.
Result<std::unique_ptr<ByteSource>> DecompressingSource(std::unique_ptr<ByteSource> raw,
                                                        Compression* detected = nullptr);

}  // namespace kstarve
