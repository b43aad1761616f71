// The report pipeline: readers -> sorter -> analyzer (-> Perfetto exporter).
// Used by `kstarve report`, the tests and the benchmarks alike.
#pragma once

#include <string>
#include <vector>

#include "analysis/report_model.h"
#include "base/status.h"
#include "readers/trace_reader.h"

namespace kstarve {

struct AnalyzeRequest {
  // Several inputs are one trace cut in consecutive pieces: they are read in
  // the order given and merged in time order.
  std::vector<std::string> inputs;
  AnalysisOptions analysis;
  ReadOptions read;
  std::string perfetto_path;  // write a Chrome JSON trace here, if set
  // The context snapshot of the recording: this file if set; otherwise, when
  // find_context is on, TRACE.context.json beside the first input if present.
  std::string context_path;
  bool find_context = true;
};

Result<Report> AnalyzeTraces(const AnalyzeRequest& request);

}  // namespace kstarve
