#include "readers/tracedat/tracedat_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "readers/decompress.h"
#include "readers/marker_placer.h"
#include "readers/tracedat/byte_order.h"
#include "readers/tracedat/cpu_stream.h"
#include "readers/tracedat/event_decoder.h"
#include "readers/tracedat/trace_dat_file.h"

namespace kstarve {
namespace {

using tracedat::CpuStream;
using tracedat::CpuStreamConfig;
using tracedat::Decoded;
using tracedat::Record;
using tracedat::TraceDatFile;

struct Head {
  Record record;
  int32_t cpu;
  CpuStream* stream;
};

// Converts raw ring-buffer timestamps to the trace's nanoseconds.
struct Clock {
  bool tsc = false;
  uint32_t mult = 0;
  uint32_t shift = 0;
  uint64_t offset = 0;
  int64_t add = 0;

  int64_t operator()(uint64_t ts) const {
    if (tsc) {
      unsigned __int128 wide = static_cast<unsigned __int128>(ts) * mult;
      ts = static_cast<uint64_t>(wide >> shift) + offset;
    }
    return static_cast<int64_t>(ts) + add;
  }
};

class Merger {
 public:
  Merger(const std::string& name, EventSink& sink, ReadStats& stats, const ReadOptions& options)
      : name_(name), placer_(sink, stats), stats_(stats), options_(options) {}

  void Problem(const std::string& message) {
    ++stats_.malformed;
    if (stats_.problems.size() < options_.max_problems) stats_.problems.push_back(name_ + ": " + message);
  }

  // The k-way merge: the stream whose next record is oldest goes first;
  // on equal timestamps the earlier stream (lower CPU) does.
  void Run(std::vector<Head>& heads, tracedat::EventDecoder& decoder, const Clock& clock, uint64_t bytes) {
    Event e;
    uint64_t records = 0;
    while (!heads.empty()) {
      size_t best = 0;
      for (size_t i = 1; i < heads.size(); ++i) {
        if (heads[i].record.ts < heads[best].record.ts) best = i;
      }
      Head& h = heads[best];
      if (h.record.missed != 0) Lost(h.cpu, h.record.missed);
      switch (decoder.Decode(h.record, h.cpu, e)) {
        case Decoded::kUsed:
          e.ts = clock(h.record.ts);
          placer_.OnEvent(e);
          break;
        case Decoded::kOther: ++stats_.other_events; break;
        case Decoded::kMalformed:
          Problem("CPU " + std::to_string(h.cpu) + " record at " + std::to_string(clock(h.record.ts)) +
                  " ns: expected " + decoder.problem());
          break;
      }
      if (options_.progress && ++records % ReadOptions::kProgressLines == 0) {
        options_.progress(name_, bytes, records);
      }
      if (!h.stream->Next(h.record)) heads.erase(heads.begin() + static_cast<std::ptrdiff_t>(best));
    }
    // Markers after the last event take its time; without any event they
    // cannot be placed (as the text readers do).
    placer_.Finish();
  }

 private:
  // As the text readers place "CPU:N [LOST M EVENTS]": at the time of the
  // event before it, or of the one after it at the very start.
  void Lost(int32_t cpu, int64_t missed) {
    Event l;
    l.kind = EventKind::kLost;
    l.cpu = cpu;
    l.value = missed > 0 ? static_cast<uint64_t>(missed) : 0;
    placer_.OnMarker(l);
  }

  const std::string& name_;
  MarkerPlacer placer_;
  ReadStats& stats_;
  const ReadOptions& options_;
};

// Uncompressed CPU data of a file is read through a window per stream of
// this many bytes, fewer if there are many streams, so memory stays bounded
// whatever the file's size.
constexpr size_t kWindowBytes = size_t{1} << 20;
constexpr size_t kAllWindowsBytes = size_t{64} << 20;

// Asks the kernel to read ahead bytes of a mapping about to be walked.
void WillNeed(std::string_view map, uint64_t offset, uint64_t size) {
  static const auto kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t start = offset / kPage * kPage;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): madvise takes a void*, it writes nothing.
  madvise(const_cast<char*>(map.data()) + start, offset + size - start, MADV_WILLNEED);
}

// Reads the trace.dat whose bytes are `data`; if `fd` is not -1, `data` is
// a lazy mapping of that file and its uncompressed CPU data is read with
// pread() instead of through the mapping.
Status ReadTraceDatImpl(std::string_view data, int fd, const std::string& name, StringInterner& strings,
                        EventSink& sink, ReadStats& stats, const ReadOptions& options) {
  Result<TraceDatFile> parsed = tracedat::ParseTraceDatFile(data, name);
  if (!parsed.ok()) return parsed.status();
  TraceDatFile& file = *parsed;
  stats.bytes += data.size();
  if (file.latency_only) {
    return Status::Error(name +
                         ": a latency-tracer trace.dat (text, no ring-buffer data): not supported; expected "
                         "flyrecord data as trace-cmd record/extract write it");
  }
  Merger merger(name, sink, stats, options);
  tracedat::EventDecoder decoder(file, strings);
  for (const std::string& p : decoder.format_problems()) merger.Problem(p);

  size_t stream_count = 0;
  for (const tracedat::BufferInfo& b : file.buffers) stream_count += b.cpus.size();
  size_t window = std::min(kWindowBytes, kAllWindowsBytes / std::max<size_t>(stream_count, 1));
  std::vector<std::unique_ptr<CpuStream>> streams;
  std::vector<Head> heads;
  std::string buffers_read;
  int buffers_with_data = 0;
  for (const tracedat::BufferInfo& b : file.buffers) {
    CpuStreamConfig config;
    config.page = file.page;
    config.page_size = b.page_size != 0 ? b.page_size : file.page_size;
    config.swap = file.swap;
    config.big_endian = file.swap != tracedat::HostIsBigEndian();
    config.long_size = file.long_size;
    config.codec = file.codec;
    config.compressed = b.compressed;
    if (config.page.data_offset >= config.page_size) {
      return Status::Error(name + ": buffer \"" + b.name + "\": expected a page size above the page header size");
    }
    std::vector<tracedat::CpuData> cpus = b.cpus;
    std::stable_sort(cpus.begin(), cpus.end(), [](const auto& x, const auto& y) { return x.cpu < y.cpu; });
    bool any = false;
    for (const tracedat::CpuData& c : cpus) {
      if (c.size == 0) continue;
      // Compressed CPU data: the size given leaves out the 4-byte chunk count.
      uint64_t want = b.compressed ? c.size + 4 : c.size;
      if (c.offset >= data.size() || want > data.size() - c.offset) {
        merger.Problem("offset " + std::to_string(c.offset) + " (CPU " + std::to_string(c.cpu) + " data of buffer \"" +
                       b.name + "\"): expected " + std::to_string(want) + " bytes, the file ends at " +
                       std::to_string(data.size()) + " (truncated file: reading what is there)");
        if (c.offset >= data.size()) continue;
      }
      uint64_t size = std::min<uint64_t>(want, data.size() - c.offset);
      std::unique_ptr<CpuStream> stream;
      if (fd >= 0 && !b.compressed) {
        stream = std::make_unique<CpuStream>(config, fd, c.offset, size, window);
      } else {
        if (fd >= 0) WillNeed(data, c.offset, size);
        stream = std::make_unique<CpuStream>(config, data.substr(c.offset, size), c.offset);
      }
      Head h{Record{}, c.cpu, stream.get()};
      if (stream->Next(h.record)) heads.push_back(h);
      streams.push_back(std::move(stream));
      any = true;
    }
    if (any) {
      ++buffers_with_data;
      buffers_read +=
          (buffers_read.empty() ? "" : ", ") + (b.name.empty() ? std::string("top level") : "\"" + b.name + "\"");
    }
  }
  Clock clock;
  clock.tsc = file.has_tsc2nsec;
  clock.mult = file.tsc_mult;
  clock.shift = file.tsc_shift;
  clock.offset = file.tsc_offset;
  clock.add = file.ts_offset;
  merger.Run(heads, decoder, clock, data.size());
  for (const auto& s : streams) {
    if (s->problems() == 0) continue;
    merger.Problem(
        s->first_problem() +
        (s->problems() > 1 ? " (and " + std::to_string(s->problems() - 1) + " more problems in this CPU's data)" : ""));
    stats.malformed += s->problems() - 1;
  }
  std::string clock_name = file.trace_clock;
  for (const tracedat::BufferInfo& b : file.buffers) {
    if (!b.cpus.empty() && !b.clock.empty()) clock_name = b.clock;
  }
  stats.notes.push_back(name + ": trace.dat version " + std::to_string(file.version) + ", " +
                        std::to_string(buffers_with_data) + (buffers_with_data == 1 ? " buffer" : " buffers") +
                        " with data" + (buffers_read.empty() ? "" : " (" + buffers_read + ")") +
                        (buffers_with_data > 1 ? " merged by time" : "") +
                        (clock_name.empty() ? "" : ", clock " + clock_name));
  if (clock_name == "counter" || ((clock_name == "x86-tsc" || clock_name == "tsc") && !file.has_tsc2nsec)) {
    stats.notes.push_back(name + ": the trace clock \"" + clock_name +
                          "\" counts cycles or events, not nanoseconds: times are not in ns");
  }
  return Status::Ok();
}

}  // namespace

bool LooksLikeTraceDat(std::string_view data) {
  return tracedat::HasTraceDatMagic(data);
}

Status ReadTraceDat(std::string_view data, const std::string& name, StringInterner& strings, EventSink& sink,
                    ReadStats& stats, const ReadOptions& options) {
  return ReadTraceDatImpl(data, -1, name, strings, sink, stats, options);
}

Status ReadTraceDatFileIfAny(const std::string& path, bool* is_trace_dat, StringInterner& strings, EventSink& sink,
                             ReadStats& stats, const ReadOptions& options) {
  *is_trace_dat = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Ok();  // the text path reports why it cannot open
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  char head[tracedat::kMagic.size()];
  ssize_t n = pread(fd, head, sizeof head, 0);
  if (n != static_cast<ssize_t>(sizeof head) || !LooksLikeTraceDat(std::string_view(head, sizeof head))) {
    return Status::Ok();
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Status::Ok();
  *is_trace_dat = true;
  auto size = static_cast<size_t>(st.st_size);
  // Mapped lazily: only the metadata (and compressed CPU data) is read
  // through the mapping; uncompressed CPU data is read with pread().
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return Status::Error(path + ": cannot mmap: " + std::strerror(errno));
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Status s =
      ReadTraceDatImpl(std::string_view(static_cast<const char*>(map), size), fd, path, strings, sink, stats, options);
  munmap(map, size);
  return s;
}

namespace {

// Serves bytes already read from a source, then the rest of it.
class ReplaySource : public ByteSource {
 public:
  ReplaySource(std::string head, std::unique_ptr<ByteSource> rest) : head_(std::move(head)), rest_(std::move(rest)) {}
  Result<size_t> Read(char* dst, size_t capacity) override {
    if (pos_ < head_.size()) {
      size_t n = std::min(capacity, head_.size() - pos_);
      std::memcpy(dst, head_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_->Read(dst, capacity);
  }

 private:
  std::string head_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ReadTraceDatFromStream(std::unique_ptr<ByteSource> raw, const std::string& name,
                                                           bool* is_trace_dat, StringInterner& strings, EventSink& sink,
                                                           ReadStats& stats, const ReadOptions& options) {
  *is_trace_dat = false;
  Result<std::unique_ptr<ByteSource>> source = DecompressingSource(std::move(raw));
  if (!source.ok()) return Status::Error(name + ": " + source.status().message());
  std::string head;
  while (head.size() < tracedat::kMagic.size()) {
    char buf[tracedat::kMagic.size()];
    Result<size_t> n = (*source)->Read(buf, tracedat::kMagic.size() - head.size());
    if (!n.ok()) return Status::Error(name + ": " + n.status().message());
    if (*n == 0) break;
    head.append(buf, *n);
  }
  if (!LooksLikeTraceDat(head))
    return std::unique_ptr<ByteSource>(new ReplaySource(std::move(head), std::move(*source)));
  // Compressed files and standard input cannot be mapped: read them whole.
  *is_trace_dat = true;
  std::string all = std::move(head);
  for (;;) {
    size_t at = all.size();
    all.resize(at + (1 << 20));
    Result<size_t> n = (*source)->Read(all.data() + at, 1 << 20);
    if (!n.ok()) return Status::Error(name + ": " + n.status().message());
    all.resize(at + *n);
    if (*n == 0) break;
  }
  Status s = ReadTraceDat(all, name, strings, sink, stats, options);
  if (!s.ok()) return s;
  return std::unique_ptr<ByteSource>();
}

}  // namespace kstarve
