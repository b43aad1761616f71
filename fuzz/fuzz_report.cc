// libFuzzer target for the whole report pipeline: whatever the readers make
// of an input (random pids, CPUs, timestamps out of order, lost markers)
// goes through the sorter, the thread-state machine, the analysis, and the
// text and JSON writers, with a tiny threshold so that episodes and findings
// are produced too. Nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "analysis/analyzer.h"
#include "base/interner.h"
#include "events/sorter.h"
#include "readers/trace_reader.h"
#include "report/json_report.h"
#include "report/text_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kstarve;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  StringInterner strings;
  AnalysisOptions options;
  options.threshold_ns = 1000;  // 1 us: most waits become episodes
  options.chronic_min_waits = 1;
  options.max_episodes = 16;  // exercise the bounded episode heap
  Analyzer analyzer(strings, options);
  Sorter sorter(analyzer, 1000, 8);  // small window and bound: exercise dropping
  ReadStats stats;
  Result<TraceFormat> format = ReadTraceBuffer(input, "fuzz", strings, sorter, stats);
  sorter.Flush();
  TraceSummary summary;
  summary.format = format.ok() ? std::string(TraceFormatName(*format)) : "none";
  Report report = analyzer.Finish(summary);
  std::ostringstream out;
  WriteJsonReport(report, out);
  TextOptions text;
  text.max_rows = 0;
  text.max_episodes = 0;
  WriteTextReport(report, text, out);
  return 0;
}
