// FtraceTextParser: lines of /sys/kernel/tracing/trace, trace_pipe and
// `trace-cmd report`, which share one record layout:
//
//   [instance: ]<comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <secs>.<frac>: <event>: <payload>
//
// The comm may hold spaces and dashes ("CPU 3/KVM-2950"), so the pid is the
// last "-digits" before the cpu column; the TGID column and the latency flags
// (4 or 5 characters, absent in trace-cmd's default output) are optional.
// Also understood: "CPU:N [LOST M EVENTS]" and trace-cmd's
// "CPU:N [M EVENTS DROPPED]" (kLost markers) and
// "##### CPU N buffer started ####" (kCpuStart markers).
#pragma once

#include <string_view>

#include "base/interner.h"
#include "readers/comm_cache.h"
#include "readers/line_parser.h"

namespace kstarve {

class FtraceTextParser : public LineParser {
 public:
  explicit FtraceTextParser(StringInterner& strings) : comms_(strings) {}
  void Parse(std::string_view line, ParsedLine& out) override;

 private:
  CommCache comms_;
};

// "CPU:N [LOST M EVENTS]", "CPU:N [M EVENTS DROPPED]", "CPU:N [EVENTS DROPPED]"
// (`line` without leading blanks). Fills a kLost marker. FtraceTextParser
// also takes them after an instance name ("inst: CPU:N [...]").
bool ParseLostEventsLine(std::string_view line, ParsedLine& out);

// "##### CPU N buffer started ####". Fills a kCpuStart marker.
bool ParseCpuBufferStartedLine(std::string_view line, ParsedLine& out);

}  // namespace kstarve
