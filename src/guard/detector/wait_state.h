// WaitState: the tracefs backend's copy of what starve.bpf.c keeps in its
// maps — which threads are runnable but not running and since when, who
// runs on each CPU, and per-thread sums of the waits that ended — driven by
// decoded scheduler records in time order.
//
// The rules are those of docs/semantics.md and analysis/ThreadTracker: a
// wait starts at the first wakeup of a thread that is not running, or at a
// switch-out in state R/R+, and ends at the thread's next switch-in, traced
// or inferred from a record written while it ran.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "guard/detector/long_wait_scan.h"

namespace kstarve::guard {

// Outside both kernel ranges (0..99 RT, 100..139 fair, -1 deadline), so
// ClassFromPrio reads it as an unknown class.
inline constexpr int32_t kUnknownPrio = 140;

struct RunningTask {
  bool known = false;
  int32_t pid = -1;
  int32_t prio = kUnknownPrio;
  std::string comm;  // "" when only inferred
};

struct WaitTotals {
  int64_t sum_wait_ns = 0;
  uint64_t waits = 0;
  int64_t max_wait_ns = 0;
  int32_t holder_pid = -1;  // who ran on the CPU right before the longest wait ended
  int32_t holder_prio = kUnknownPrio;
  int32_t cpu = -1;  // where the last wait ended
};

class WaitState {
 public:
  // sched_switch on `cpu` at `ts`; prev_runnable: prev_state R or R+.
  void OnSwitch(int32_t cpu, int64_t ts, int32_t prev_pid, int32_t prev_prio, bool prev_runnable,
                std::string_view prev_comm, int32_t next_pid, int32_t next_prio, std::string_view next_comm);
  // sched_waking / sched_wakeup / sched_wakeup_new of `pid`, queued on `target_cpu`.
  void OnWakeup(int64_t ts, int32_t pid, int32_t target_cpu, std::string_view comm);
  // sched_migrate_task.
  void OnMigrate(int32_t pid, int32_t dest_cpu);
  // Any record of `cpu` was written while `pid` ran there (its header). A
  // thread other than the one known to run means an untraced switch-in.
  void OnRecordThread(int32_t cpu, int64_t ts, int32_t pid);
  // Records of `cpu` were lost: who runs there is unknown, and the waits
  // queued there are dropped (their ends may be among what was lost).
  void OnLost(int32_t cpu);

  void OpenWaits(std::vector<OpenWait>& out) const;
  const RunningTask* Running(int32_t cpu) const;
  bool IsRunning(int32_t pid) const { return running_on_.count(pid) != 0; }
  // The comm last seen for a waiting thread ("" if unknown).
  std::string_view WaiterComm(int32_t pid) const;
  // Hands over the totals of the waits that ended since the last call.
  void TakeTotals(std::unordered_map<int32_t, WaitTotals>& out);

 private:
  struct Wait {
    int64_t start_ns = 0;
    int32_t cpu = -1;
    std::string comm;
  };

  RunningTask& Cpu(int32_t cpu);
  void StartWait(int32_t pid, int32_t cpu, int64_t ts, std::string_view comm);
  void SwitchIn(int32_t cpu, int64_t ts, int32_t pid, int32_t holder_pid, int32_t holder_prio);
  void ForgetRunning(int32_t cpu);

  std::vector<RunningTask> cpus_;
  std::unordered_map<int32_t, int32_t> running_on_;  // pid -> CPU it runs on
  std::unordered_map<int32_t, Wait> waiting_;
  std::unordered_map<int32_t, WaitTotals> totals_;
};

}  // namespace kstarve::guard
