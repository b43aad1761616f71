// CpuStream: the records of one CPU's ring-buffer pages, in order.
//
// Decodes the kernel's ring-buffer page format as header_page describes it:
// a page header (u64 timestamp, local_t commit whose top bits flag missed
// events), then 32-bit event headers (type_len:5, time_delta:27) for data
// records, padding, time extends and absolute timestamps. Compressed v7 CPU
// data is decompressed one chunk at a time. Uncompressed data is either in
// memory or read from the file a window of whole pages at a time (pread into
// one reused buffer: copying from the page cache costs less than faulting a
// mapping in page by page). Corrupt pages are skipped and reported, never
// read past.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "readers/tracedat/block_codec.h"
#include "readers/tracedat/event_format.h"

namespace kstarve::tracedat {

struct Record {
  uint64_t ts = 0;
  const char* data = nullptr;  // the event's payload (common_type first)
  uint32_t size = 0;
  // Events the kernel dropped right before this record: 0 none, -1 some
  // (count not stored), else the count.
  int64_t missed = 0;
};

struct CpuStreamConfig {
  PageHeaderLayout page;
  uint32_t page_size = 0;
  bool swap = false;        // file byte order differs from the host's
  bool big_endian = false;  // the file is big-endian (event header bit layout)
  uint32_t long_size = 8;   // for the stored missed-events count
  Codec codec = Codec::kNone;
  bool compressed = false;
};

class CpuStream {
 public:
  // `data` is the CPU's data as stored at `file_offset`.
  CpuStream(const CpuStreamConfig& config, std::string_view data, uint64_t file_offset);
  // Uncompressed data of `size` bytes at `file_offset` in the open file
  // `fd`, read `window_bytes` (rounded down to whole pages, at least one) at
  // a time. A record's bytes stay valid until the next call of Next().
  CpuStream(const CpuStreamConfig& config, int fd, uint64_t file_offset, uint64_t size, size_t window_bytes);

  // The next data record; false at the end. After false, error() says why
  // if the data ended early because it was corrupt.
  bool Next(Record& r) {
    for (;;) {
      if (pos_ < size_) {
        if (Decode(r)) return true;
        continue;
      }
      if (!LoadPage()) return false;
    }
  }

  // Problems met so far (corrupt pages skipped, truncated data); the first
  // message names the file offset.
  uint64_t problems() const { return problems_; }
  const std::string& first_problem() const { return first_problem_; }

 private:
  bool Decode(Record& r);
  bool LoadPage();
  bool NextPages();
  bool NextChunk();
  bool NextWindow();
  void Problem(uint64_t offset, const std::string& what);
  uint32_t Load32(const char* p) const;
  uint64_t LoadLong(const char* p) const;

  CpuStreamConfig config_;
  std::string_view data_;  // raw or compressed data
  uint64_t file_offset_;
  // The pages being walked: data_ itself, or the current decompressed chunk.
  std::string_view pages_;
  uint64_t pages_offset_ = 0;  // file offset of pages_ (of the chunk, if compressed)
  size_t next_page_ = 0;       // offset in pages_ of the next page to load
  // Compressed data: chunks left and where the next one starts in data_.
  uint32_t chunks_left_ = 0;
  size_t next_chunk_ = 0;
  std::string chunk_;
  // Data read from a file: what is left to read and where, into window_.
  int fd_ = -1;
  uint64_t file_next_ = 0;
  uint64_t file_left_ = 0;
  std::string window_;

  // The current page.
  const char* page_data_ = nullptr;  // first record
  uint32_t size_ = 0;                // committed bytes after page_data_
  uint32_t pos_ = 0;                 // next record, from page_data_
  uint64_t ts_ = 0;
  int64_t page_missed_ = 0;  // reported with the page's first data record
  uint64_t page_offset_ = 0;

  uint64_t problems_ = 0;
  std::string first_problem_;
};

}  // namespace kstarve::tracedat
