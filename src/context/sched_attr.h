// sched_getattr(2) and sched_setattr(2) through syscall(): glibc 2.36 has no wrapper, and
// <linux/sched/types.h> clashes with glibc's struct sched_param, so the
// kernel's struct sched_attr is declared here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace kstarve {

struct SchedAttrValues {
  int policy = 0;
  int rt_priority = 0;
  int nice = 0;
  uint64_t dl_runtime_ns = 0, dl_deadline_ns = 0, dl_period_ns = 0;
};

// The scheduling attributes of thread `tid`, or nothing if it is gone or
// the call failed (errno says why).
std::optional<SchedAttrValues> GetSchedAttr(pid_t tid);

// sched_setattr(2) of thread `tid`; false on failure (errno says why).
// rt_priority and the deadline parameters are passed as given: callers
// zero what does not apply to the policy.
bool SetSchedAttr(pid_t tid, const SchedAttrValues& v);

// The CPUs thread `tid` may run on, as Cpus_allowed_list prints them
// ("0-1,4"); "" if it is gone. Cheaper than reading /proc/PID/status.
std::string GetAffinityList(pid_t tid);

}  // namespace kstarve
