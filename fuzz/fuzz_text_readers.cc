// libFuzzer target for the text trace readers.
//
// Each input goes through the whole in-memory reader (decompression,
// sniffing, every parser through ReadTraceBuffer, with a small line limit
// too), and each of its lines through every line parser and the payload
// and prev_state parsers directly, so that no input crashes any of them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/interner.h"
#include "readers/ftrace_text_parser.h"
#include "readers/payload_parser.h"
#include "readers/perf_script_parser.h"
#include "readers/sniff.h"
#include "readers/task_state.h"
#include "readers/trace_reader.h"

namespace {

class NullSink : public kstarve::EventSink {
 public:
  void OnEvent(const kstarve::Event& e) override { last_ts_ ^= e.ts; }

 private:
  int64_t last_ts_ = 0;
};

void FuzzLine(std::string_view line, kstarve::FtraceTextParser& ftrace, kstarve::PerfScriptParser& perf,
              kstarve::CommCache& comms) {
  kstarve::ParsedLine parsed;
  ftrace.Parse(line, parsed);
  perf.Parse(line, parsed);
  kstarve::IsTraceCmdHeaderLine(line);
  uint16_t state = 0;
  kstarve::ParsePrevState(line, state);
  kstarve::ParseShortFormState(line, state);
  for (int k = 0; k < static_cast<int>(kstarve::EventKind::kLost); ++k) {
    kstarve::Event e;
    e.kind = static_cast<kstarve::EventKind>(k);
    kstarve::ParsePayload(line, comms, e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  {
    kstarve::StringInterner strings;
    NullSink sink;
    kstarve::ReadStats stats;
    kstarve::ReadTraceBuffer(input, "fuzz", strings, sink, stats);
  }
  {
    kstarve::StringInterner strings;
    NullSink sink;
    kstarve::ReadStats stats;
    kstarve::ReadOptions options;
    options.max_line_bytes = 64;  // exercises the overlong-line path
    kstarve::ReadTraceBuffer(input, "fuzz", strings, sink, stats, options);
  }
  kstarve::StringInterner strings;
  kstarve::FtraceTextParser ftrace(strings);
  kstarve::PerfScriptParser perf(strings);
  kstarve::CommCache comms(strings);
  size_t start = 0;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    FuzzLine(input.substr(start, nl - start), ftrace, perf, comms);
    start = nl + 1;
  }
  return 0;
}
