// Writes a trace.dat (trace-cmd's format, version 7) from raw per-CPU
// ring-buffer pages, through libtracecmd's output API.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kstarve {

struct TraceDatInput {
  std::vector<std::string> cpu_files;  // raw pages of CPU i, one file per CPU
  std::string trace_clock;             // the instance's trace_clock text ("[local] global ...")
  std::vector<std::string> cpu_stats;  // per_cpu/cpuN/stats text of CPU i (may be empty)
};

// Event formats, kallsyms, printk formats and saved cmdlines come from the
// mounted tracefs, as in `trace-cmd record`.
Status WriteTraceDat(const std::string& output, const TraceDatInput& input);

}  // namespace kstarve
