// Runs the report pipeline on a file and returns its JSON, as `kstarve report
// --format json` prints it.
#pragma once

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "pipeline/analyze_traces.h"
#include "report/json_report.h"

namespace kstarve::testing {

inline std::string SourceDir() {
  return KSTARVE_SOURCE_DIR;
}
inline std::string FixturePath(const std::string& name) {
  return SourceDir() + "/tests/fixtures/" + name;
}
inline std::string SeedPath(const std::string& name) {
  return SourceDir() + "/../shared/seeds/" + name;
}

inline nlohmann::json ReportJson(const std::string& path, AnalysisOptions options = {}) {
  AnalyzeRequest req;
  req.inputs = {path};
  req.analysis = options;
  Result<Report> r = AnalyzeTraces(req);
  if (!r.ok()) throw std::runtime_error(r.status().message());
  std::ostringstream out;
  WriteJsonReport(*r, out);
  return nlohmann::json::parse(out.str());
}

}  // namespace kstarve::testing
