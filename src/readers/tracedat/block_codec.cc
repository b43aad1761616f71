#include "readers/tracedat/block_codec.h"

#include <zlib.h>
#include <zstd.h>

namespace kstarve::tracedat {

bool CodecFromName(std::string_view name, Codec& codec) {
  if (name == "none" || name.empty()) {
    codec = Codec::kNone;
  } else if (name == "zstd") {
    codec = Codec::kZstd;
  } else if (name == "zlib") {
    codec = Codec::kZlib;
  } else {
    return false;
  }
  return true;
}

std::string DecompressBlock(Codec codec, std::string_view in, size_t expected_size, std::string& out) {
  // Check the size a corrupt header claims before allocating it: zstd frames
  // state their content size; deflate expands at most 1032 times.
  if (codec == Codec::kZstd) {
    unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) return "zstd: not a zstd frame";
    if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != expected_size) {
      return "zstd frame of " + std::to_string(size) + " bytes, " + std::to_string(expected_size) + " expected";
    }
    if (size == ZSTD_CONTENTSIZE_UNKNOWN && expected_size > (64u << 20) + in.size() * 1100) {
      return "an uncompressed size the data can hold, " + std::to_string(expected_size) + " claimed";
    }
  } else if (codec == Codec::kNone && in.size() != expected_size) {
    return "stored size " + std::to_string(in.size()) + " differs from the size given";
  } else if (codec == Codec::kZlib && expected_size > in.size() * 1032 + 64) {
    return "an uncompressed size the zlib data can hold, " + std::to_string(expected_size) + " claimed";
  }
  out.resize(expected_size);
  switch (codec) {
    case Codec::kNone:
      if (in.size() != expected_size)
        return "stored size " + std::to_string(in.size()) + " differs from the size given";
      out.assign(in);
      return {};
    case Codec::kZstd: {
      size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      if (ZSTD_isError(n) != 0U) return std::string("zstd: ") + ZSTD_getErrorName(n);
      if (n != expected_size) {
        return "zstd data decompressed to " + std::to_string(n) + " bytes, " + std::to_string(expected_size) +
               " expected";
      }
      return {};
    }
    case Codec::kZlib: {
      uLongf n = out.size();
      int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(in.data()),
                          static_cast<uLong>(in.size()));
      if (rc != Z_OK) return "zlib: error " + std::to_string(rc);
      if (n != expected_size) {
        return "zlib data decompressed to " + std::to_string(n) + " bytes, " + std::to_string(expected_size) +
               " expected";
      }
      return {};
    }
  }
  return "unknown compression";
}

}  // namespace kstarve::tracedat
