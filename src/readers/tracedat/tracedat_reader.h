// Reading trace-cmd trace.dat files (versions 6 and 7, compressed or not)
// into the event model, without libtracecmd.
//
// Every buffer in the file (the top level and each instance, as
// `trace-cmd extract -B` writes them) is read; the per-CPU streams of all of
// them are merged by timestamp before the sink sees them, so events arrive
// in time order. Missed-events flags of ring-buffer pages become kLost
// events, stamped as `trace-cmd report` text would be read.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/interner.h"
#include "base/status.h"
#include "events/event.h"
#include "readers/byte_source.h"
#include "readers/trace_reader.h"

namespace kstarve {

// Whether `data` starts with trace.dat's magic bytes.
bool LooksLikeTraceDat(std::string_view data);

// Reads a whole trace.dat held in memory; `name` stands for it in messages.
Status ReadTraceDat(std::string_view data, const std::string& name, StringInterner& strings, EventSink& sink,
                    ReadStats& stats, const ReadOptions& options);

// Reads a trace.dat file through mmap. Returns false in `*is_trace_dat`
// (and does nothing) if the file does not start with the magic bytes.
Status ReadTraceDatFileIfAny(const std::string& path, bool* is_trace_dat, StringInterner& strings, EventSink& sink,
                             ReadStats& stats, const ReadOptions& options);

// For inputs that cannot be mapped (standard input, gzip or zstd files):
// decompresses `raw` and peeks at the first bytes. A trace.dat is read
// whole into memory and parsed (`*is_trace_dat` true, nullptr returned);
// anything else comes back as a source yielding every byte, for the text
// readers. Errors name `name`.
Result<std::unique_ptr<ByteSource>> ReadTraceDatFromStream(std::unique_ptr<ByteSource> raw, const std::string& name,
                                                           bool* is_trace_dat, StringInterner& strings, EventSink& sink,
                                                           ReadStats& stats, const ReadOptions& options);

}  // namespace kstarve
