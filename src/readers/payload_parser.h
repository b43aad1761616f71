// Parsing the payload of the tracepoints kstarve uses into an Event.
//
// ftrace text, trace-cmd report and perf script print the same payloads, so
// both line parsers share this. Besides the kernel's TP_printk form it reads
// `trace-cmd report -R` raw fields and the trace-cmd sched plugin short forms.
#pragma once

#include <string_view>

#include "events/event.h"
#include "readers/comm_cache.h"

namespace kstarve {

struct PayloadResult {
  // nullptr on success, else what was expected, e.g. "expected prev_pid=<number>".
  const char* problem = nullptr;
  // The payload was in a trace-cmd plugin short form ("bash:1234 [120] S ==> ...").
  bool short_form = false;
};

// Fills the kind-specific fields of `e` (e.kind must be set) from `payload`.
PayloadResult ParsePayload(std::string_view payload, CommCache& comms, Event& e);

}  // namespace kstarve
