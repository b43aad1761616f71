// Parsers for the /proc text the context snapshot reads. They take the file
// text (not a path) so tests can feed canned text; errors name `where`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kstarve {

// The fields of /proc/PID/task/TID/stat the snapshot uses (proc(5)).
struct ProcStat {
  int32_t pid = -1;
  std::string comm;
  char state = '?';
  uint32_t flags = 0;       // field 9: PF_* flags
  int nice = 0;             // field 19
  uint64_t start_time = 0;  // field 22, clock ticks since boot
  int rt_priority = 0;      // field 40
  int policy = 0;           // field 41
};
Result<ProcStat> ParseProcStat(std::string_view text, const std::string& where);

// PF_KTHREAD from include/linux/sched.h: the task is a kernel thread.
inline constexpr uint32_t kPfKthread = 0x00200000;

struct ProcStatus {
  int32_t tgid = -1;
  std::string cpus_allowed_list;
};
Result<ProcStatus> ParseProcStatus(std::string_view text, const std::string& where);

// /proc/PID/cgroup: the path in the v1 hierarchy that has the cpu
// controller, and the path in the unified (v2) hierarchy ("0::/path").
struct ProcCgroups {
  std::string v1_cpu;  // empty if no v1 cpu line
  std::string v2;      // empty if no "0::" line
};
ProcCgroups ParseProcCgroup(std::string_view text);

// The cgroup mounts found in /proc/self/mountinfo.
struct CgroupMounts {
  std::string v1_cpu;       // mount point of the v1 hierarchy with the cpu controller, "" if none
  std::string v1_cpu_root;  // the hierarchy path mounted there (field 4), usually "/"
  std::string v2;           // mount point of cgroup2, "" if none
  std::string v2_root;
};
CgroupMounts ParseMountinfo(std::string_view text);

// True if mountinfo lists a filesystem of `fstype` mounted at `mount_point`.
bool MountinfoHas(std::string_view text, std::string_view fstype, std::string_view mount_point);

// Whitespace-separated words of a line ("NO_X Y Z" from sched/features).
std::vector<std::string> SplitWords(std::string_view text);

}  // namespace kstarve
