#include "readers/decompress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace kstarve {
namespace {

constexpr size_t kInputChunk = size_t{256} * 1024;

// Replays bytes that were read to sniff the magic, then continues with `rest`.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  Result<size_t> Read(char* dst, size_t capacity) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(capacity, prefix_.size() - pos_);
      std::memcpy(dst, prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_->Read(dst, capacity);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// Compressed input read ahead in chunks; shared by both decoders.
class InputBuffer {
 public:
  explicit InputBuffer(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)), data_(kInputChunk) {}
  // Makes at least `want` bytes available unless the input ends first;
  // false (with `error`) on a read error.
  bool Fill(size_t want, std::string& error) {
    while (avail_ < want && !eof_) {
      if (next_ > 0) {
        std::memmove(data_.data(), data_.data() + next_, avail_);
        next_ = 0;
      }
      Result<size_t> n = raw_->Read(data_.data() + avail_, data_.size() - avail_);
      if (!n.ok()) {
        error = n.status().message();
        return false;
      }
      if (*n == 0) eof_ = true;
      avail_ += *n;
    }
    return true;
  }
  const unsigned char* next() const { return reinterpret_cast<const unsigned char*>(data_.data()) + next_; }
  size_t avail() const { return avail_; }
  void Consume(size_t n) {
    next_ += n;
    avail_ -= n;
  }
  bool eof() const { return eof_; }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::vector<char> data_;
  size_t next_ = 0;
  size_t avail_ = 0;
  bool eof_ = false;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw) : in_(std::move(raw)) {
    std::memset(&zs_, 0, sizeof(zs_));
    // 16 + MAX_WBITS: expect the gzip wrapper, not raw zlib.
    init_ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK;
  }
  ~GzipSource() override { inflateEnd(&zs_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Result<size_t> Read(char* dst, size_t capacity) override {
    if (!init_ok_) return Status::Error("cannot initialize zlib");
    size_t produced = 0;
    std::string error;
    while (produced == 0 && !finished_) {
      if (member_ended_) {
        // gzip files may hold several members back to back; anything else
        // after a member is trailing garbage, ignored as gzip(1) does.
        if (!in_.Fill(2, error)) return Status::Error(error);
        if (in_.avail() >= 2 && in_.next()[0] == 0x1f && in_.next()[1] == 0x8b) {
          inflateReset(&zs_);
          member_ended_ = false;
        } else {
          finished_ = true;
          break;
        }
      }
      if (!in_.Fill(1, error)) return Status::Error(error);
      zs_.next_in = const_cast<Bytef*>(in_.next());
      zs_.avail_in = static_cast<uInt>(std::min<size_t>(in_.avail(), UINT32_MAX));
      zs_.next_out = reinterpret_cast<Bytef*>(dst);
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(capacity, UINT32_MAX));
      uInt in_before = zs_.avail_in;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      in_.Consume(in_before - zs_.avail_in);
      produced = static_cast<size_t>(reinterpret_cast<char*>(zs_.next_out) - dst);
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc == Z_BUF_ERROR && produced == 0 && in_.avail() == 0 && in_.eof()) {
        return Status::Error("truncated gzip data");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        // Z_BUF_ERROR only means "no progress without more input", which
        // the next round provides (or reports as truncation).
        return Status::Error(std::string("corrupt gzip data (") + (zs_.msg ? zs_.msg : "zlib error") + ")");
      }
    }
    return produced;
  }

 private:
  InputBuffer in_;
  z_stream zs_;
  bool init_ok_ = false;
  bool member_ended_ = false;
  bool finished_ = false;
};

class ZstdSource : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> raw) : in_(std::move(raw)), dctx_(ZSTD_createDCtx()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Result<size_t> Read(char* dst, size_t capacity) override {
    if (dctx_ == nullptr) return Status::Error("cannot initialize zstd");
    ZSTD_outBuffer out{dst, capacity, 0};
    while (out.pos == 0) {
      std::string error;
      if (!in_.Fill(1, error)) return Status::Error(error);
      bool input_ended = in_.avail() == 0;
      // 0 from the last call means the last frame was complete.
      if (input_ended && frame_pending_ == 0) break;
      ZSTD_inBuffer in{in_.next(), in_.avail(), 0};
      size_t rc = ZSTD_decompressStream(dctx_, &out, &in);
      in_.Consume(in.pos);
      if (ZSTD_isError(rc)) {
        return Status::Error(std::string("corrupt zstd data (") + ZSTD_getErrorName(rc) + ")");
      }
      // With no input left, a call may still flush buffered output; one
      // that flushes nothing proves the frame was cut short.
      if (input_ended && out.pos == 0 && rc != 0) return Status::Error("truncated zstd data");
      frame_pending_ = rc;
    }
    return out.pos;
  }

 private:
  InputBuffer in_;
  ZSTD_DCtx* dctx_;
  size_t frame_pending_ = 1;  // nonzero until a frame has been completed
};

}  // namespace

Result<std::unique_ptr<ByteSource>> DecompressingSource(std::unique_ptr<ByteSource> raw, Compression* detected) {
  // Read until the 4 magic bytes are in hand: pipes may deliver fewer.
  std::string head(4, '\0');
  size_t have = 0;
  while (have < head.size()) {
    Result<size_t> n = raw->Read(head.data() + have, head.size() - have);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    have += *n;
  }
  head.resize(have);
  auto prefixed = std::make_unique<PrefixedSource>(head, std::move(raw));
  auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  Compression c = Compression::kNone;
  if (have >= 2 && byte(0) == 0x1f && byte(1) == 0x8b) {
    c = Compression::kGzip;
  } else if (have >= 4 && byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
    c = Compression::kZstd;
  }
  if (detected != nullptr) *detected = c;
  switch (c) {
    case Compression::kGzip: return std::unique_ptr<ByteSource>(new GzipSource(std::move(prefixed)));
    case Compression::kZstd: return std::unique_ptr<ByteSource>(new ZstdSource(std::move(prefixed)));
    case Compression::kNone: break;
  }
  return std::unique_ptr<ByteSource>(std::move(prefixed));
}

}  // namespace kstarve
