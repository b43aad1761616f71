// The cpu-controller settings of a thread's cgroup, from cgroup v1 (cpu
// controller) or v2 (unified), wherever /proc/self/mountinfo says they are.
#pragma once

#include <map>
#include <string>

#include "context/proc_parsers.h"
#include "context/snapshot.h"

namespace kstarve {

// The cpu.weight (v2) that corresponds to v1 cpu.shares, as the kernel maps
// them (weight 100 = 1024 shares), clamped to 1..10000.
uint64_t WeightFromShares(uint64_t shares);

class CgroupCpuReader {
 public:
  // `root` prefixes every path ("" for the live system).
  CgroupCpuReader(std::string root, CgroupMounts mounts);

  // Settings of the cgroup named in /proc/PID/cgroup; cached per cgroup,
  // since many threads share one.
  const CgroupCpu& Read(const ProcCgroups& cgroups);

 private:
  CgroupCpu ReadV1(const std::string& path) const;
  CgroupCpu ReadV2(const std::string& path) const;
  std::string root_;
  CgroupMounts mounts_;
  bool v2_has_cpu_ = false;
  std::map<std::string, CgroupCpu> cache_;
  CgroupCpu unknown_;
};

}  // namespace kstarve
