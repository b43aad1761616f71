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
