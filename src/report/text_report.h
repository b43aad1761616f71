// The human report: a `perf sched latency` table, then episodes and findings
// in plain words.
#pragma once

#include <ostream>

#include "analysis/report_model.h"

namespace kstarve {

struct TextOptions {
  bool color = false;        // ANSI colour (only when stdout is a terminal)
  size_t max_rows = 25;      // table rows (0: all)
  size_t max_episodes = 10;  // the longest, shown in time order (0: all)
};

void WriteTextReport(const Report& report, const TextOptions& options, std::ostream& out);

}  // namespace kstarve
