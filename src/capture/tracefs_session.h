// kstarve's own tracefs instance, set up for a recording and removed again
// on every exit path: the RAII owner of every tracing change `record` makes.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "capture/tracefs_shim.h"

namespace kstarve {

struct SessionOptions {
  std::string instance_name;        // "kstarve-<pid>"
  size_t buffer_kb = 8192;          // per CPU
  std::string clock;                // "" keeps the instance default (local)
  std::vector<std::string> events;  // "system:event", "system:*" or "system"
};

// The events `record` enables by default (see docs/record.md for why
// sched_stat_runtime and the workqueue events are not among them).
std::vector<std::string> DefaultRecordEvents();
// The event `record --workqueue` adds: which function each work item ran.
// One record per work item (150 k/s in the brief's fio case, four times
// all default events together), so it is opt-in.
const char* WorkqueueRecordEvent();

class TracefsSession {
 public:
  // Mounts tracefs if needed, removes instances of dead kstarve processes,
  // creates the instance, sizes its buffers, sets the clock and enables the
  // events (missing ones are skipped with a warning on `log`; a missing
  // sched_switch is an error). Tracing is still off.
  static Result<std::unique_ptr<TracefsSession>> Open(const SessionOptions& options, std::ostream& log);
  ~TracefsSession();
  TracefsSession(const TracefsSession&) = delete;
  TracefsSession& operator=(const TracefsSession&) = delete;

  Status TracingOn();
  void TracingOff();
  ks_instance* instance() { return instance_; }
  const std::string& dir() const { return dir_; }
  const std::string& tracing_dir() const { return tracing_dir_; }
  int cpus() const { return cpus_; }
  const std::vector<std::string>& enabled_events() const { return enabled_; }
  // The text of a file of the instance ("trace_clock", "per_cpu/cpu0/stats"), "" if unreadable.
  std::string ReadFile(const std::string& relative) const;

 private:
  TracefsSession(std::ostream& log) : log_(log) {}
  std::ostream& log_;
  ks_instance* instance_ = nullptr;
  std::string dir_;
  std::string tracing_dir_;
  bool mounted_tracefs_ = false;
  int cpus_ = 0;
  std::vector<std::string> enabled_;
};

// Removes instances named kstarve-<pid> whose process no longer exists
// (left by a crash), telling `log`. Returns how many were removed.
int RemoveStaleInstances(const std::string& tracing_dir, std::ostream& log);

}  // namespace kstarve
