// Decompressing one block of a trace.dat v7 file (a section or a chunk of
// CPU data), with the algorithm named in the file header.
#pragma once

#include <string>
#include <string_view>

namespace kstarve::tracedat {

enum class Codec { kNone, kZstd, kZlib };

// "none", "zstd", "zlib" -> Codec; false for anything else.
bool CodecFromName(std::string_view name, Codec& codec);

// Decompresses `in` into `out`, which must come out exactly `expected_size`
// bytes. Returns an empty string on success, else what went wrong.
std::string DecompressBlock(Codec codec, std::string_view in, size_t expected_size, std::string& out);

}  // namespace kstarve::tracedat
