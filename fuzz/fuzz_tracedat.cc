// libFuzzer target for the trace.dat reader.
//
// Each input goes through ReadTraceBuffer (magic sniffing, metadata,
// decompression, page decoding, merge) and its text through the format-file
// parsers, so that no input crashes any of them. Seeds: the small files in
// fuzz/corpus/tracedat (make_seed.py), since real files are megabytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/interner.h"
#include "readers/trace_reader.h"
#include "readers/tracedat/event_format.h"

namespace {

class NullSink : public kstarve::EventSink {
 public:
  void OnEvent(const kstarve::Event& e) override { last_ts_ ^= e.ts; }

 private:
  int64_t last_ts_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kstarve::StringInterner strings;
  NullSink sink;
  kstarve::ReadStats stats;
  (void)kstarve::ReadTraceBuffer(bytes, "fuzz.dat", strings, sink, stats);

  kstarve::tracedat::EventFormat format;
  std::string error;
  (void)kstarve::tracedat::ParseEventFormat(bytes, "fuzz", format, error);
  kstarve::tracedat::PageHeaderLayout page;
  (void)kstarve::tracedat::ParsePageHeader(bytes, page, error);
  return 0;
}
