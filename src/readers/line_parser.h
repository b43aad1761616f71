// LineParser: turns one line of a text trace format into at most one Event.
#pragma once

#include <string_view>

#include "events/event.h"

namespace kstarve {

enum class LineKind : uint8_t {
  kNotRecord,   // mail text, headers, comments, blank lines
  kEvent,       // a used tracepoint; `event` is filled
  kOtherEvent,  // a well-formed record of a tracepoint kstarve does not use
  kMalformed,   // names a used tracepoint but its payload does not parse
  kMarker,      // kLost or kCpuStart on event.cpu; event.ts is not known yet
};

struct ParsedLine {
  LineKind kind = LineKind::kNotRecord;
  Event event;
  std::string_view event_name;    // kMalformed: the tracepoint (a view into the line)
  const char* problem = nullptr;  // kMalformed: what was expected
  bool trace_cmd_hint = false;    // something only trace-cmd report prints

  // Back to "not a record", before a parser looks at the next line.
  void Reset() {
    kind = LineKind::kNotRecord;
    trace_cmd_hint = false;
    problem = nullptr;
  }
};

class LineParser {
 public:
  virtual ~LineParser() = default;
  // Parses `line` (no '\n'); never fails harder than kMalformed.
  virtual void Parse(std::string_view line, ParsedLine& out) = 0;
};

}  // namespace kstarve
