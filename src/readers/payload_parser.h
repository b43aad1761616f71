// Parsing the payload of the tracepoints kstarve uses into an Event.
//
// ftrace text, trace-cmd report and perf script print the same payloads, so
// both line parsers share this. Besides the kernel's TP_printk form it reads
// `trace-cmd report -R` raw fields and the trace-cmd sched plugin short forms.
#pragma once

#include <string_view>

#include "events/event.h"
#include "readers/comm_cache.h"
#include "readers/line_parser.h"

namespace kstarve {

struct PayloadResult {
  // nullptr on success, else what was expected, e.g. "expected prev_pid=<number>".
  const char* problem = nullptr;
  // The payload was in a trace-cmd plugin short form ("bash:1234 [120] S ==> ...").
  bool short_form = false;
};

// Fills the kind-specific fields of `e` (e.kind must be set) from `payload`.
PayloadResult ParsePayload(std::string_view payload, CommCache& comms, Event& e);

// What every text format's record header gives, in the event model's terms.
struct RecordHeader {
  EventKind kind;
  std::string_view name;  // the tracepoint's name as printed
  int64_t ts;
  int32_t cpu;
  int32_t pid;
  StrId comm;
};

// Builds out.event from the header and the payload: kEvent, or kMalformed
// with what the payload lacked. Returns the payload's short_form flag.
bool ParseRecord(const RecordHeader& h, std::string_view payload, CommCache& comms, ParsedLine& out);

}  // namespace kstarve
