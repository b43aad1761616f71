#include "context/collect.h"

#include <dirent.h>

#include <cerrno>
#include <charconv>
#include <ctime>
#include <memory>

#include "context/cgroup_cpu.h"
#include "context/file_text.h"
#include "context/proc_parsers.h"
#include "context/sched_attr.h"
#include "context/sched_knobs.h"

namespace kstarve {
namespace {

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

bool ParsePid(const char* name, int32_t& pid) {
  const std::string_view s(name);
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

std::string FirstLine(const std::string& path) {
  std::string text;
  if (ReadFileText(path, text) != 0) return "";
  const size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

// Number of CPUs in a list such as "0-1,4,6-7" (sys/devices/system/cpu/online).
int CountCpuList(const std::string& list) {
  int count = 0;
  size_t i = 0;
  while (i < list.size()) {
    size_t end = list.find(',', i);
    if (end == std::string::npos) end = list.size();
    const std::string part = list.substr(i, end - i);
    const size_t dash = part.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string::npos) {
      if (std::from_chars(part.data(), part.data() + part.size(), lo).ec == std::errc()) ++count;
    } else if (std::from_chars(part.data(), part.data() + dash, lo).ec == std::errc() &&
               std::from_chars(part.data() + dash + 1, part.data() + part.size(), hi).ec == std::errc() && hi >= lo) {
      count += hi - lo + 1;
    }
    i = end + 1;
  }
  return count;
}

// Reads one thread; false if it exited meanwhile (its files are gone).
bool ReadThread(const std::string& task_dir, int32_t tgid, bool live, CgroupCpuReader& cgroups, ThreadContext& t,
                std::string& scratch) {
  if (ReadFileText(task_dir + "/stat", scratch) != 0) return false;
  Result<ProcStat> stat = ParseProcStat(scratch, task_dir + "/stat");
  if (!stat.ok()) return false;
  t.pid = stat->pid;
  t.tgid = tgid;
  t.comm = std::move(stat->comm);
  t.policy = stat->policy;
  t.rt_priority = stat->rt_priority;
  t.nice = stat->nice;
  t.kernel_thread = (stat->flags & kPfKthread) != 0;
  t.start_time = stat->start_time;
  if (live) {
    // /proc/PID/status is long and slow to generate; one syscall gives the
    // same list.
    t.allowed_cpus = GetAffinityList(t.pid);
  } else if (ReadFileText(task_dir + "/status", scratch) == 0) {
    Result<ProcStatus> status = ParseProcStatus(scratch, task_dir + "/status");
    if (status.ok()) t.allowed_cpus = std::move(status->cpus_allowed_list);
  }
  if (ReadFileText(task_dir + "/cgroup", scratch) == 0) t.cgroup = cgroups.Read(ParseProcCgroup(scratch));
  // stat has policy, priority and nice; only DL parameters need
  // sched_getattr, so it is asked only about SCHED_DEADLINE threads.
  constexpr int kSchedDeadline = 6;
  if (live && t.policy == kSchedDeadline) {
    if (std::optional<SchedAttrValues> attr = GetSchedAttr(t.pid)) {
      t.policy = attr->policy;
      t.rt_priority = attr->rt_priority;
      t.nice = attr->nice;
      t.dl_runtime_ns = attr->dl_runtime_ns;
      t.dl_deadline_ns = attr->dl_deadline_ns;
      t.dl_period_ns = attr->dl_period_ns;
    }
  }
  return true;
}

}  // namespace

Result<ContextSnapshot> CollectContext(const CollectOptions& options) {
  const std::string& root = options.root;
  ContextSnapshot snap;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  snap.taken_at_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  snap.kernel_release = FirstLine(root + "/proc/sys/kernel/osrelease");
  snap.kernel_version = FirstLine(root + "/proc/sys/kernel/version");
  snap.cpus = CountCpuList(FirstLine(root + "/sys/devices/system/cpu/online"));
  snap.knobs = ReadSchedKnobs(root, options.live);

  std::string mountinfo;
  ReadFileText(root + "/proc/self/mountinfo", mountinfo);
  CgroupCpuReader cgroups(root, ParseMountinfo(mountinfo));

  const std::string proc = root + "/proc";
  DirPtr procdir(::opendir(proc.c_str()), ::closedir);
  if (!procdir) return Status::Error(proc + ": cannot list: " + ErrnoText(errno));
  std::string scratch;
  while (const dirent* pe = ::readdir(procdir.get())) {
    int32_t tgid = 0;
    if (!ParsePid(pe->d_name, tgid)) continue;
    const std::string task = proc + "/" + pe->d_name + "/task";
    DirPtr taskdir(::opendir(task.c_str()), ::closedir);
    if (!taskdir) continue;  // the process exited
    std::string process;
    std::vector<int32_t> tids;
    while (const dirent* te = ::readdir(taskdir.get())) {
      int32_t tid = 0;
      if (!ParsePid(te->d_name, tid)) continue;
      ThreadContext t;
      if (!ReadThread(task + "/" + te->d_name, tgid, options.live, cgroups, t, scratch)) continue;
      if (tid == tgid) process = t.comm;
      tids.push_back(tid);
      snap.threads[tid] = std::move(t);
    }
    for (int32_t tid : tids) snap.threads[tid].process = process;
  }
  if (snap.threads.empty()) return Status::Error(proc + ": no readable threads (is /proc mounted?)");
  return snap;
}

Result<ContextSnapshot> CollectContext() {
  return CollectContext(CollectOptions{});
}

void MergeContext(ContextSnapshot& base, const ContextSnapshot& later) {
  // emplace keeps an existing entry: the attributes at the start win, also
  // for a pid that was reused during the recording.
  for (const auto& [pid, thread] : later.threads) base.threads.emplace(pid, thread);
}

std::string ContextPathFor(const std::string& trace_path) {
  return trace_path + ".context.json";
}

}  // namespace kstarve
