#include "context/cgroup_cpu.h"

#include <algorithm>
#include <charconv>

#include "context/file_text.h"

namespace kstarve {
namespace {

template <typename T>
std::optional<T> ReadNumber(const std::string& path) {
  std::string text;
  if (ReadFileText(path, text) != 0) return std::nullopt;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string ReadLine(const std::string& path) {
  std::string text;
  if (ReadFileText(path, text) != 0) return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The directory of cgroup `path` under a hierarchy mounted at `mount`
// whose root is `mount_root` (a container may mount a sub-tree).
std::string CgroupDir(const std::string& root, const std::string& mount, const std::string& mount_root,
                      const std::string& path) {
  std::string rel = path;
  if (mount_root != "/" && rel.compare(0, mount_root.size(), mount_root) == 0) rel = rel.substr(mount_root.size());
  if (rel == "/") rel.clear();
  return root + mount + rel;
}

}  // namespace

uint64_t WeightFromShares(uint64_t shares) {
  const uint64_t weight = (shares * 100 + 512) / 1024;
  return std::clamp<uint64_t>(weight, 1, 10000);
}

CgroupCpuReader::CgroupCpuReader(std::string root, CgroupMounts mounts)
    : root_(std::move(root)), mounts_(std::move(mounts)) {
  if (!mounts_.v2.empty()) {
    for (const std::string& c : SplitWords(ReadLine(root_ + mounts_.v2 + "/cgroup.controllers"))) {
      if (c == "cpu") v2_has_cpu_ = true;
    }
  }
}

const CgroupCpu& CgroupCpuReader::Read(const ProcCgroups& cgroups) {
  // The v1 cpu controller wins when it is mounted: then v2 cannot have it.
  std::string key;
  if (!mounts_.v1_cpu.empty() && !cgroups.v1_cpu.empty()) {
    key = "1:" + cgroups.v1_cpu;
  } else if (v2_has_cpu_ && !cgroups.v2.empty()) {
    key = "2:" + cgroups.v2;
  } else {
    return unknown_;
  }
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    CgroupCpu c = key[0] == '1' ? ReadV1(cgroups.v1_cpu) : ReadV2(cgroups.v2);
    it = cache_.emplace(key, std::move(c)).first;
  }
  return it->second;
}

CgroupCpu CgroupCpuReader::ReadV1(const std::string& path) const {
  CgroupCpu c;
  c.path = path;
  c.version = 1;
  const std::string dir = CgroupDir(root_, mounts_.v1_cpu, mounts_.v1_cpu_root, path);
  c.cpu_shares = ReadNumber<uint64_t>(dir + "/cpu.shares");
  if (c.cpu_shares) {
    c.cpu_weight = WeightFromShares(*c.cpu_shares);
    c.weight_source = "cpu.shares";
  }
  const std::optional<int64_t> quota = ReadNumber<int64_t>(dir + "/cpu.cfs_quota_us");
  const std::optional<int64_t> period = ReadNumber<int64_t>(dir + "/cpu.cfs_period_us");
  if (quota && period) {
    // The v2 cpu.max spelling: "max PERIOD" when there is no quota.
    c.cpu_max = (*quota < 0 ? std::string("max") : std::to_string(*quota)) + " " + std::to_string(*period);
  }
  c.rt_runtime_us = ReadNumber<int64_t>(dir + "/cpu.rt_runtime_us");
  return c;
}

CgroupCpu CgroupCpuReader::ReadV2(const std::string& path) const {
  CgroupCpu c;
  c.path = path;
  c.version = 2;
  const std::string dir = CgroupDir(root_, mounts_.v2, mounts_.v2_root, path);
  c.cpu_weight = ReadNumber<uint64_t>(dir + "/cpu.weight");
  if (c.cpu_weight) c.weight_source = "cpu.weight";
  c.cpu_max = ReadLine(dir + "/cpu.max");
  return c;
}

}  // namespace kstarve
