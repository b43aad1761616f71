// The Host over the live kernel: threads from /proc, attributes through
// sched_setattr/sched_getattr and sched_setaffinity, CLOCK_MONOTONIC time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "guard/host.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

class StatFiles;

class LiveHost : public Host {
 public:
  // `proc` is the procfs mount (tests may point it elsewhere).
  explicit LiveHost(std::string proc = "/proc");
  ~LiveHost() override;
  LiveHost(const LiveHost&) = delete;
  LiveHost& operator=(const LiveHost&) = delete;
  // Every thread; keeps their stat files open for the next call (StatFiles).
  std::vector<ThreadInfo> ListThreads() override;
  Result<ThreadInfo> ReadThread(int32_t pid) override;
  Status SetAttrs(const ThreadId& id, const SchedAttrs& attrs) override;
  int64_t NowNs() override;

 private:
  std::string proc_;
  std::unique_ptr<StatFiles> stat_files_;
};

// The fields of /proc/PID/stat the guard uses.
struct ProcStat {
  int32_t pid = -1;
  std::string comm;
  uint64_t flags = 0;
  int nice = 0;
  uint64_t start_time = 0;
  int rt_priority = 0;
  int policy = 0;
  int num_threads = 0;  // field 20: threads of its process
};
// Parses one stat line; the comm may contain spaces and parentheses.
Result<ProcStat> ParseProcStat(const std::string& line);

// Raw syscalls (glibc 2.36 has no wrappers; <linux/sched/types.h> clashes
// with glibc's sched_param, so the struct is declared here).
Result<SchedAttrs> GetSchedAttrs(int32_t pid);
Status SetSchedAttrs(int32_t pid, const SchedAttrs& attrs);
Result<std::vector<int>> GetAffinity(int32_t pid);

// The calling process: pid and start time (for the pid file).
ThreadId SelfId();

}  // namespace kstarve::guard
