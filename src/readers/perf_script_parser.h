// PerfScriptParser: lines of default `perf script` output for tracepoints:
//
//   <comm> <tid> [<cpu>] <secs>.<frac>: <subsystem>:<event>: <payload>
//
// The comm is right-aligned and may hold spaces; the thread column may read
// "pid/tid" (perf script -F pid,tid), the cpu column is absent for per-task
// recordings, and the time has 6 decimals, or 9 with --ns. Callchain lines
// (indented addresses) are not records.
#pragma once

#include <string_view>

#include "base/interner.h"
#include "readers/comm_cache.h"
#include "readers/line_parser.h"

namespace kstarve {

class PerfScriptParser : public LineParser {
 public:
  explicit PerfScriptParser(StringInterner& strings) : comms_(strings) {}
  void Parse(std::string_view line, ParsedLine& out) override;

 private:
  CommCache comms_;
};

}  // namespace kstarve
