// `kstarve record`: capture scheduler, IRQ and workqueue events from
// tracefs's raw ring buffers into a trace.dat, with a context snapshot
// (TRACE.context.json) beside it.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"

namespace kstarve {

struct RecordOptions {
  std::string output = "kstarve.dat";
  double duration_s = 10;            // without a command: how long to record
  bool duration_given = false;       // with a command: stop recording after duration_s even if it still runs
  size_t buffer_kb = 8192;           // ring buffer per CPU
  std::vector<std::string> events;   // empty: DefaultRecordEvents()
  bool workqueue = false;            // also WorkqueueRecordEvent()
  std::string clock;                 // "" keeps the instance default, local
  std::vector<std::string> command;  // record for the life of this command
  int poll_ms = 100;                 // how often the ring buffers are read
  bool progress = false;             // a progress line on `log` (a terminal)
  bool context = true;               // write OUTPUT.context.json
  bool verbose = false;              // also say how long setup and writing took
};

struct CpuRecordStats {
  uint64_t records = 0;
  uint64_t overrun = 0;  // per_cpu/cpuN/stats: events overwritten before they were read
  uint64_t dropped = 0;  // per_cpu/cpuN/stats: events dropped (buffer full, no overwrite)
  uint64_t pages_with_missed = 0;
  uint64_t missed_in_pages = 0;
};

struct RecordSummary {
  int exit_status = 0;  // the command's, or 0; 128+signal if interrupted before tracing started
  bool wrote_trace = false;
  uint64_t records = 0;
  uint64_t sched_switch = 0;  // records of sched:sched_switch written
  uint64_t bytes = 0;
  double seconds = 0;
  double setup_ms = 0;    // instance, buffers, events, context snapshot: until tracing is on
  double context_ms = 0;  // the first context snapshot alone
  double write_ms = 0;    // writing the trace.dat at the end
  // The recorder's own CPU time while tracing was on (getrusage, all its
  // threads, not the command's): what reading the ring buffers cost.
  double cpu_user_ms = 0;
  double cpu_system_ms = 0;
  std::vector<CpuRecordStats> cpus;
  uint64_t lost() const;  // overrun + dropped, all CPUs
};

// Records as `options` say; warnings, progress and the summary go to
// `log`. Every tracing change is undone before it returns, also on errors
// and on SIGINT/SIGTERM/SIGHUP (which stop the recording; what was
// captured is still written).
Result<RecordSummary> Record(const RecordOptions& options, std::ostream& log);

}  // namespace kstarve
