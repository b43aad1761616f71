#include "readers/tracedat/cpu_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "readers/tracedat/byte_order.h"

namespace kstarve::tracedat {
namespace {

// Event header type_len values with a special meaning (the kernel's
// RINGBUF_TYPE_*); 1..28 are data records of type_len * 4 bytes, 0 is a
// data record whose length is in the next word.
constexpr uint32_t kTypePadding = 29;
constexpr uint32_t kTypeTimeExtend = 30;
constexpr uint32_t kTypeTimeStamp = 31;
constexpr uint32_t kTimeDeltaBits = 27;

// Commit word: the committed size in the low bits, flags in the top ones.
constexpr uint64_t kCommitSizeMask = (1u << 27) - 1;
constexpr uint64_t kMissedEvents = 1u << 31;
constexpr uint64_t kMissedStored = 1u << 30;

// An absolute timestamp stores 59 bits; the top 5 come from the page's.
constexpr uint64_t kTsMsb = ~((1ull << 59) - 1);

// A compressed chunk larger than this is taken as corrupt.
constexpr uint32_t kMaxChunkBytes = 1u << 28;

}  // namespace

CpuStream::CpuStream(const CpuStreamConfig& config, std::string_view data, uint64_t file_offset)
    : config_(config), data_(data), file_offset_(file_offset) {
  if (!config_.compressed) {
    pages_ = data_;
    pages_offset_ = file_offset_;
    return;
  }
  if (data_.size() < 4) {
    if (!data_.empty()) Problem(file_offset_, "expected a 4-byte chunk count");
    return;
  }
  chunks_left_ = Load<uint32_t>(data_.data(), config_.swap);
  next_chunk_ = 4;
}

CpuStream::CpuStream(const CpuStreamConfig& config, int fd, uint64_t file_offset, uint64_t size, size_t window_bytes)
    : config_(config), file_offset_(file_offset), fd_(fd), file_next_(file_offset), file_left_(size) {
  size_t page = std::max<size_t>(config_.page_size, 1);
  size_t window = std::max(window_bytes / page, size_t{1}) * page;
  window_.resize(static_cast<size_t>(std::min<uint64_t>(window, size)));
}

uint32_t CpuStream::Load32(const char* p) const {
  return Load<uint32_t>(p, config_.swap);
}

uint64_t CpuStream::LoadLong(const char* p) const {
  return config_.page.commit_size == 8 ? Load<uint64_t>(p, config_.swap) : Load<uint32_t>(p, config_.swap);
}

void CpuStream::Problem(uint64_t offset, const std::string& what) {
  if (problems_++ == 0) first_problem_ = "offset " + std::to_string(offset) + " (CPU data): " + what;
}

bool CpuStream::NextPages() {
  if (config_.compressed) return NextChunk();
  if (fd_ >= 0) return NextWindow();
  return false;
}

bool CpuStream::NextWindow() {
  if (file_left_ == 0) return false;
  // The window holds whole pages, so no page spans two reads.
  size_t want = static_cast<size_t>(std::min<uint64_t>(file_left_, window_.size()));
  size_t got = 0;
  int err = 0;
  while (got < want) {
    ssize_t n = pread(fd_, window_.data() + got, want - got, static_cast<off_t>(file_next_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : 0;
      break;
    }
    got += static_cast<size_t>(n);
  }
  pages_ = std::string_view(window_.data(), got);
  pages_offset_ = file_next_;
  next_page_ = 0;
  file_next_ += got;
  file_left_ -= got;
  if (got < want) {
    Problem(file_next_,
            "expected " + std::to_string(file_left_) + " more bytes of CPU data, " +
                (err != 0 ? std::string("cannot read: ") + std::strerror(err) : std::string("the file ends")));
    file_left_ = 0;
  }
  return got > 0;
}

bool CpuStream::NextChunk() {
  if (chunks_left_ == 0) return false;
  --chunks_left_;
  uint64_t at = file_offset_ + next_chunk_;
  if (data_.size() - next_chunk_ < 8) {
    Problem(at, "expected a chunk header (compressed and uncompressed sizes), the data ends");
    chunks_left_ = 0;
    return false;
  }
  uint32_t csize = Load32(data_.data() + next_chunk_);
  uint32_t usize = Load32(data_.data() + next_chunk_ + 4);
  if (csize > data_.size() - next_chunk_ - 8 || usize > kMaxChunkBytes) {
    Problem(at, "expected a chunk of " + std::to_string(csize) + " bytes inside the CPU data, unpacking to at most " +
                    std::to_string(kMaxChunkBytes) + " bytes");
    chunks_left_ = 0;
    return false;
  }
  std::string err = DecompressBlock(config_.codec, data_.substr(next_chunk_ + 8, csize), usize, chunk_);
  next_chunk_ += 8 + size_t{csize};
  if (!err.empty()) {
    Problem(at, "expected a compressed chunk: " + err);
    pages_ = {};
    next_page_ = 0;
    return true;  // the next chunk may be fine
  }
  pages_ = chunk_;
  pages_offset_ = at;
  next_page_ = 0;
  return true;
}

bool CpuStream::LoadPage() {
  const PageHeaderLayout& h = config_.page;
  for (;;) {
    if (next_page_ >= pages_.size()) {
      if (!NextPages()) return false;
      continue;
    }
    const char* page = pages_.data() + next_page_;
    size_t len = std::min<size_t>(pages_.size() - next_page_, config_.page_size);
    // Offsets inside a decompressed chunk are not file offsets: name the chunk.
    page_offset_ = config_.compressed ? pages_offset_ : pages_offset_ + next_page_;
    next_page_ += config_.page_size;
    if (len < h.data_offset) {
      Problem(page_offset_, "expected a page header of " + std::to_string(h.data_offset) + " bytes, " +
                                std::to_string(len) + " left");
      continue;
    }
    uint64_t commit = LoadLong(page + h.commit_offset);
    auto size = static_cast<uint32_t>(commit & kCommitSizeMask);
    if (size > len - h.data_offset) {
      Problem(page_offset_, "expected a committed size within the page, found " + std::to_string(size) + " of " +
                                std::to_string(len - h.data_offset) + " bytes");
      continue;
    }
    int64_t missed = 0;
    if ((commit & kMissedEvents) != 0) {
      missed = -1;
      if ((commit & kMissedStored) != 0 && h.data_offset + size + config_.long_size <= len &&
          h.data_offset + size + h.commit_size <= len) {
        uint64_t n = LoadLong(page + h.data_offset + size);
        missed = n > 0 && n < (1ull << 62) ? static_cast<int64_t>(n) : -1;
      }
    }
    ts_ = Load<uint64_t>(page + h.timestamp_offset, config_.swap);
    page_data_ = page + h.data_offset;
    size_ = size;
    pos_ = 0;
    page_missed_ = missed;
    return true;
  }
}

bool CpuStream::Decode(Record& r) {
  const char* p = page_data_ + pos_;
  const uint32_t left = size_ - pos_;
  auto corrupt = [&](const char* what) {
    Problem(page_offset_, std::string("expected ") + what + " at byte " + std::to_string(pos_) + " of the page data");
    pos_ = size_;
    return false;
  };
  if (left < 4) return corrupt("a 4-byte event header");
  const uint32_t word = Load32(p);
  uint32_t type_len;
  uint32_t delta;
  if (config_.big_endian) {
    type_len = word >> kTimeDeltaBits;
    delta = word & ((1u << kTimeDeltaBits) - 1);
  } else {
    type_len = word & 0x1f;
    delta = word >> 5;
  }
  const char* payload;
  uint32_t len;
  switch (type_len) {
    case kTypePadding:
      if (delta == 0) {  // a null event: the rest of the page is empty
        pos_ = size_;
        return false;
      }
      if (left < 8) return corrupt("a padding length");
      len = Load32(p + 4);
      if (len > left - 4) return corrupt("padding within the page");
      ts_ += delta;
      pos_ += 4 + len;
      return false;
    case kTypeTimeExtend:
      if (left < 8) return corrupt("an 8-byte time extend");
      ts_ += (uint64_t{Load32(p + 4)} << kTimeDeltaBits) + delta;
      pos_ += 8;
      return false;
    case kTypeTimeStamp:
      if (left < 8) return corrupt("an 8-byte absolute timestamp");
      ts_ = ((uint64_t{Load32(p + 4)} << kTimeDeltaBits) | delta) | (ts_ & kTsMsb);
      pos_ += 8;
      return false;
    case 0:
      if (left < 8) return corrupt("an event length word");
      len = Load32(p + 4);
      if (len < 4 || len - 4 > left - 8) return corrupt("an event length within the page");
      len = (len - 4 + 3) & ~3u;
      if (len > left - 8) len = left - 8;
      payload = p + 8;
      pos_ += 8 + len;
      break;
    default:
      len = type_len * 4;
      if (len > left - 4) return corrupt("an event within the page");
      payload = p + 4;
      pos_ += 4 + len;
      break;
  }
  ts_ += delta;
  r.ts = ts_;
  r.data = payload;
  r.size = len;
  r.missed = page_missed_;
  page_missed_ = 0;
  return true;
}

}  // namespace kstarve::tracedat
