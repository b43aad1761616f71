// Reading a trace file of any supported format into the event model.
//
// The format is chosen by sniffing the content, never the file name; `-`
// reads standard input; gzip and zstd input is decompressed transparently.
// trace-cmd's binary trace.dat is recognized by its magic bytes (see
// readers/tracedat/tracedat_reader.h).
// Lines that are not events kstarve uses are skipped and counted. Malformed
// records are counted, and the first few are kept as "file:line: what was
// expected" messages. Only unreadable input (missing file, bad compression,
// no recognizable trace at all) is an error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/interner.h"
#include "base/status.h"
#include "events/event.h"

namespace kstarve {

enum class TraceFormat { kUnknown, kFtraceText, kTraceCmdReport, kPerfScript, kTraceDat };

std::string_view TraceFormatName(TraceFormat f);  // "ftrace", "trace-cmd", "perf-script", "trace.dat"

struct ReadStats {
  uint64_t lines = 0;                 // lines read
  uint64_t events = 0;                // events handed to the sink
  uint64_t skipped_lines = 0;         // not a trace record (mail text, headers, comments)
  uint64_t other_events = 0;          // well-formed records of events kstarve does not use
  uint64_t malformed = 0;             // looked like a record of a used event but did not parse
  uint64_t overlong_lines = 0;        // longer than ReadOptions::max_line_bytes, skipped
  uint64_t bytes = 0;                 // uncompressed bytes read
  std::vector<std::string> problems;  // first few "file:line: ..." messages
  std::vector<std::string> notes;     // facts worth telling (trace.dat: version, buffers read, clock)
};

struct ReadOptions {
  size_t max_line_bytes = 1 << 20;  // longer lines are skipped (and counted)
  size_t max_problems = 5;          // how many problem messages to keep
  // Called every kProgressLines lines with the input's name, the bytes and
  // lines read so far (long inputs: the CLI shows progress on a terminal).
  std::function<void(const std::string& name, uint64_t bytes, uint64_t lines)> progress;
  static constexpr uint64_t kProgressLines = 1 << 18;
};

// Reads `path` (or stdin for "-") and calls sink.OnEvent for every event, in
// input order. Returns the detected format, or an error naming the file.
// Counters in `stats` are added to, so one ReadStats can sum several files.
//
// Lost-events markers ("CPU:N [LOST M EVENTS]") become kLost events stamped
// with the time of the event before them (or after, at the very start);
// "##### CPU N buffer started ####" becomes kCpuStart stamped with the time
// of the event after it.
Result<TraceFormat> ReadTrace(const std::string& path, StringInterner& strings, EventSink& sink, ReadStats& stats,
                              const ReadOptions& options = {});

// The same for input held in memory (possibly gzip or zstd compressed);
// `display_name` stands for the file in messages. For tests and fuzzing.
Result<TraceFormat> ReadTraceBuffer(std::string_view data, std::string display_name, StringInterner& strings,
                                    EventSink& sink, ReadStats& stats, const ReadOptions& options = {});

}  // namespace kstarve
