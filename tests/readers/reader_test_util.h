// Helpers shared by the reader tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/interner.h"
#include "events/event.h"
#include "readers/line_parser.h"
#include "readers/trace_reader.h"

namespace kstarve::testing {

class CollectSink : public EventSink {
 public:
  void OnEvent(const Event& e) override { events.push_back(e); }
  std::vector<Event> events;
};

// Everything one read produced.
struct ReadOutcome {
  StringInterner strings;
  CollectSink sink;
  ReadStats stats;
  Result<TraceFormat> format = Status::Error("not read");

  std::string_view Str(StrId id) const { return strings.Get(id); }
  std::vector<Event> OfKind(EventKind k) const {
    std::vector<Event> out;
    for (const Event& e : sink.events) {
      if (e.kind == k) out.push_back(e);
    }
    return out;
  }
};

inline void ReadText(std::string_view text, ReadOutcome& out, const ReadOptions& options = {}) {
  out.format = ReadTraceBuffer(text, "test.txt", out.strings, out.sink, out.stats, options);
}

inline void ReadPath(const std::string& path, ReadOutcome& out, const ReadOptions& options = {}) {
  out.format = ReadTrace(path, out.strings, out.sink, out.stats, options);
}

inline std::string DataPath(std::string_view name) {
  return std::string(KSTARVE_READERS_TEST_DATA) + "/" + std::string(name);
}

std::string ReadFileBytes(const std::string& path);
void WriteFileBytes(const std::string& path, std::string_view bytes);
std::string GzipCompress(std::string_view data);
std::string ZstdCompress(std::string_view data);
std::string TempPath(std::string_view name);

}  // namespace kstarve::testing
