#include "context/sched_attr.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kstarve {
namespace {

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h),
// SCHED_ATTR_SIZE_VER1 (56 bytes, with the utilization clamps).
struct KernelSchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(KernelSchedAttr) == 56);

}  // namespace

std::optional<SchedAttrValues> GetSchedAttr(pid_t tid) {
  KernelSchedAttr attr{};
  if (::syscall(SYS_sched_getattr, tid, &attr, sizeof attr, 0) != 0) return std::nullopt;
  SchedAttrValues v;
  v.policy = static_cast<int>(attr.sched_policy);
  v.rt_priority = static_cast<int>(attr.sched_priority);
  v.nice = attr.sched_nice;
  v.dl_runtime_ns = attr.sched_runtime;
  v.dl_deadline_ns = attr.sched_deadline;
  v.dl_period_ns = attr.sched_period;
  return v;
}

bool SetSchedAttr(pid_t tid, const SchedAttrValues& v) {
  KernelSchedAttr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = static_cast<uint32_t>(v.policy);
  attr.sched_priority = static_cast<uint32_t>(v.rt_priority);
  attr.sched_nice = v.nice;
  attr.sched_runtime = v.dl_runtime_ns;
  attr.sched_deadline = v.dl_deadline_ns;
  attr.sched_period = v.dl_period_ns;
  return ::syscall(SYS_sched_setattr, tid, &attr, 0) == 0;
}

std::string GetAffinityList(pid_t tid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(tid, sizeof set, &set) != 0) return "";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(cpu);
    if (last > cpu) out += '-' + std::to_string(last);
    cpu = last;
  }
  return out;
}

}  // namespace kstarve
