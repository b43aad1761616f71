// TraceDatFile: the metadata of a trace-cmd trace.dat file, versions 6 and 7.
//
// Parses the file header, the ring-buffer header formats, the event formats,
// the saved command lines, kallsyms and the options, and says where each
// buffer's per-CPU ring-buffer pages lie (trace-cmd.dat.v6(5), .v7(5)). The
// pages themselves are decoded by cpu_stream.h. Views point into the file's
// bytes or into decompressed sections this object owns, so it must outlive
// the views and the bytes must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "readers/tracedat/block_codec.h"
#include "readers/tracedat/event_format.h"

namespace kstarve::tracedat {

// The magic every trace.dat starts with: 0x17 0x08 0x44 "tracing".
inline constexpr std::string_view kMagic{"\x17\x08\x44tracing", 10};

inline bool HasTraceDatMagic(std::string_view data) {
  return data.substr(0, kMagic.size()) == kMagic;
}

struct CpuData {
  int32_t cpu = 0;
  uint64_t offset = 0;  // in the file
  uint64_t size = 0;    // bytes in the file (compressed size if compressed)
};

struct BufferInfo {
  std::string name;   // "" for the top-level buffer
  std::string clock;  // trace clock, if the file says
  uint32_t page_size = 0;
  bool compressed = false;  // CPU data in compressed chunks (v7)
  std::vector<CpuData> cpus;
};

struct TraceDatFile {
  int version = 0;
  bool swap = false;  // file byte order differs from the host's
  uint32_t long_size = 8;
  uint32_t page_size = 0;
  Codec codec = Codec::kNone;
  PageHeaderLayout page;
  std::vector<EventFormat> formats;
  std::string_view cmdlines;  // saved_cmdlines text: "PID COMM" lines
  std::string_view kallsyms;  // /proc/kallsyms text
  std::string trace_clock;    // the selected clock of the TRACECLOCK option ("local", ...)
  bool has_tsc2nsec = false;  // TSC2NSEC option: ns = ((ts * mult) >> shift) + offset
  uint32_t tsc_mult = 0;
  uint32_t tsc_shift = 0;
  uint64_t tsc_offset = 0;
  int64_t ts_offset = 0;      // OFFSET option, added to every timestamp
  bool latency_only = false;  // a latency-tracer text trace, no ring-buffer data
  std::vector<BufferInfo> buffers;
  std::deque<std::string> owned;  // decompressed sections the views point into
};

// Parses the metadata of `data` (the whole file). Errors read
// "NAME: offset N (where): expected ..., found ...".
Result<TraceDatFile> ParseTraceDatFile(std::string_view data, const std::string& name);

}  // namespace kstarve::tracedat
