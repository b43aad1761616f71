#include "guard/live/live_host.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <optional>

#include "analysis/task_class.h"
#include "context/sched_attr.h"
#include "guard/live/stat_files.h"

namespace kstarve::guard {

namespace {

constexpr uint64_t kPfKthread = 0x00200000;  // include/linux/sched.h PF_KTHREAD

// Reads a small procfs file in one read (procfs files are generated whole).
bool ReadSmall(const std::string& path, std::string& out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return false;
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

bool ParseInt(std::string_view text, int64_t& v) {
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && p == text.data() + text.size();
}

std::string Errno(int err) {
  return std::strerror(err);
}

std::vector<int> CpusOf(const cpu_set_t& set) {
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

// A thread from its parsed stat line, plus its affinity (and deadline
// parameters), which stat does not show.
ThreadInfo FromStat(const ProcStat& st, int32_t tgid, const std::string& process) {
  ThreadInfo t;
  t.id = {st.pid, st.start_time};
  t.tgid = tgid;
  t.comm = st.comm;
  t.process = process;
  t.kernel_thread = (st.flags & kPfKthread) != 0;
  t.attrs.policy = static_cast<Policy>(st.policy);
  t.attrs.rt_priority = st.rt_priority;
  t.attrs.nice = st.nice;
  if (t.attrs.policy == Policy::kDeadline) {
    if (Result<SchedAttrs> a = GetSchedAttrs(st.pid); a.ok()) t.attrs = *a;
  }
  if (Result<std::vector<int>> cpus = GetAffinity(st.pid); cpus.ok()) t.attrs.affinity = std::move(*cpus);
  if (t.kernel_thread) {
    t.bound_cpu = BoundCpuFromComm(t.comm);
    if (t.bound_cpu < 0 && t.attrs.affinity.size() == 1) t.bound_cpu = t.attrs.affinity[0];
    if (t.comm.rfind("kworker/", 0) == 0) t.workqueue = std::string(KworkerSuffix(t.comm));
  }
  return t;
}

Result<ThreadInfo> ReadOne(const std::string& stat_path, int32_t tgid, const std::string& process) {
  std::string line;
  if (!ReadSmall(stat_path, line)) return Status::Error(stat_path + ": " + Errno(errno));
  Result<ProcStat> st = ParseProcStat(line);
  if (!st.ok()) return Status::Error(stat_path + ": " + st.status().message());
  return FromStat(*st, tgid, process);
}

}  // namespace

Result<ProcStat> ParseProcStat(const std::string& line) {
  const size_t open = line.find(" (");
  const size_t close = line.rfind(") ");
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return Status::Error("expected 'PID (COMM) STATE ...'");
  }
  ProcStat st;
  int64_t v = 0;
  if (!ParseInt(std::string_view(line).substr(0, open), v)) return Status::Error("expected a pid first");
  st.pid = static_cast<int32_t>(v);
  st.comm = line.substr(open + 2, close - open - 2);
  // Fields from 3 (state) on, split by single spaces.
  std::vector<std::string_view> f;
  std::string_view rest = std::string_view(line).substr(close + 2);
  while (!rest.empty()) {
    const size_t sp = rest.find_first_of(" \n");
    f.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest = rest.substr(sp + 1);
    if (!rest.empty() && rest[0] == '\n') break;
  }
  // Field n (1-based, as in proc(5)) is f[n - 3].
  if (f.size() < 41 - 2) return Status::Error("expected at least 41 fields");
  auto field = [&](int n, int64_t& out) { return ParseInt(f[static_cast<size_t>(n - 3)], out); };
  int64_t flags = 0, nice = 0, threads = 0, start = 0, rtp = 0, policy = 0;
  if (!field(9, flags) || !field(19, nice) || !field(20, threads) || !field(22, start) || !field(40, rtp) ||
      !field(41, policy)) {
    return Status::Error("expected numbers in fields 9, 19, 20, 22, 40 and 41");
  }
  st.num_threads = static_cast<int>(threads);
  st.flags = static_cast<uint64_t>(flags);
  st.nice = static_cast<int>(nice);
  st.start_time = static_cast<uint64_t>(start);
  st.rt_priority = static_cast<int>(rtp);
  st.policy = static_cast<int>(policy);
  return st;
}

Result<SchedAttrs> GetSchedAttrs(int32_t pid) {
  std::optional<SchedAttrValues> raw = GetSchedAttr(pid);
  if (!raw) return Status::Error("sched_getattr(" + std::to_string(pid) + "): " + Errno(errno));
  SchedAttrs a;
  a.policy = static_cast<Policy>(raw->policy);
  a.rt_priority = raw->rt_priority;
  a.nice = raw->nice;
  a.dl_runtime_ns = raw->dl_runtime_ns;
  a.dl_deadline_ns = raw->dl_deadline_ns;
  a.dl_period_ns = raw->dl_period_ns;
  return a;
}

Status SetSchedAttrs(int32_t pid, const SchedAttrs& a) {
  SchedAttrValues raw;
  raw.policy = static_cast<int>(a.policy);
  const bool rt = a.policy == Policy::kFifo || a.policy == Policy::kRr;
  raw.rt_priority = rt ? a.rt_priority : 0;
  raw.nice = a.nice;
  if (a.policy == Policy::kDeadline) {
    raw.dl_runtime_ns = a.dl_runtime_ns;
    raw.dl_deadline_ns = a.dl_deadline_ns != 0 ? a.dl_deadline_ns : a.dl_period_ns;
    raw.dl_period_ns = a.dl_period_ns;
  }
  if (!SetSchedAttr(pid, raw)) {
    return Status::Error("sched_setattr(" + std::to_string(pid) + ", " + Describe(a) + "): " + Errno(errno));
  }
  if (!a.affinity.empty()) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : a.affinity) {
      if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
    }
    if (sched_setaffinity(pid, sizeof set, &set) != 0) {
      return Status::Error("sched_setaffinity(" + std::to_string(pid) + "): " + Errno(errno));
    }
  }
  return Status::Ok();
}

Result<std::vector<int>> GetAffinity(int32_t pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(pid, sizeof set, &set) != 0) {
    return Status::Error("sched_getaffinity(" + std::to_string(pid) + "): " + Errno(errno));
  }
  return CpusOf(set);
}

LiveHost::LiveHost(std::string proc)
    : proc_(std::move(proc)), stat_files_(std::make_unique<StatFiles>(DefaultStatFilesLimit())) {}

LiveHost::~LiveHost() = default;

// The safety-net scan, once a second: per thread one pread of its kept stat
// file and one sched_getaffinity. The leader's line gives the process name
// and the thread count, so a single-threaded process (every kernel thread,
// most daemons) needs no task directory listing; the leader is read once.
std::vector<ThreadInfo> LiveHost::ListThreads() {
  std::vector<ThreadInfo> out;
  DIR* procs = opendir(proc_.c_str());
  if (procs == nullptr) return out;
  std::string line;
  while (dirent* pe = readdir(procs)) {
    int64_t tgid = 0;
    if (!ParseInt(pe->d_name, tgid)) continue;
    const auto pid = static_cast<int32_t>(tgid);
    if (!stat_files_->Read(proc_, pid, pid, line)) continue;
    Result<ProcStat> leader = ParseProcStat(line);
    if (!leader.ok()) continue;
    out.push_back(FromStat(*leader, pid, leader->comm));
    if (leader->num_threads <= 1) continue;
    DIR* tasks = opendir((proc_ + "/" + pe->d_name + "/task").c_str());
    if (tasks == nullptr) continue;
    while (dirent* te = readdir(tasks)) {
      int64_t tid = 0;
      if (!ParseInt(te->d_name, tid) || tid == tgid) continue;
      if (!stat_files_->Read(proc_, pid, static_cast<int32_t>(tid), line)) continue;
      if (Result<ProcStat> st = ParseProcStat(line); st.ok()) out.push_back(FromStat(*st, pid, leader->comm));
    }
    closedir(tasks);
  }
  closedir(procs);
  stat_files_->Sweep();
  return out;
}

Result<ThreadInfo> LiveHost::ReadThread(int32_t pid) {
  // /proc/TID works for any thread id, listed or not; Tgid comes from status.
  const std::string base = proc_ + "/" + std::to_string(pid);
  std::string status;
  if (!ReadSmall(base + "/status", status)) return Status::Error("pid " + std::to_string(pid) + " is gone");
  int32_t tgid = pid;
  if (const size_t at = status.find("\nTgid:"); at != std::string::npos) {
    tgid = static_cast<int32_t>(std::strtol(status.c_str() + at + 6, nullptr, 10));
  }
  std::string process;
  if (tgid != pid) {
    std::string comm;
    if (ReadSmall(proc_ + "/" + std::to_string(tgid) + "/comm", comm)) process = comm.substr(0, comm.find('\n'));
  }
  Result<ThreadInfo> t = ReadOne(base + "/stat", tgid, process);
  if (t.ok() && tgid == pid) t->process = t->comm;
  return t;
}

Status LiveHost::SetAttrs(const ThreadId& id, const SchedAttrs& attrs) {
  std::string line;
  const std::string path = proc_ + "/" + std::to_string(id.pid) + "/stat";
  if (!ReadSmall(path, line)) return Status::Error("pid " + std::to_string(id.pid) + " is gone");
  Result<ProcStat> st = ParseProcStat(line);
  if (!st.ok()) return Status::Error(path + ": " + st.status().message());
  if (st->start_time != id.start_time) {
    return Status::Error("pid " + std::to_string(id.pid) + " now names another thread (" + st->comm + ")");
  }
  return SetSchedAttrs(id.pid, attrs);
}

int64_t LiveHost::NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

ThreadId SelfId() {
  LiveHost host;
  const int32_t pid = static_cast<int32_t>(getpid());
  Result<ThreadInfo> t = host.ReadThread(pid);
  return {pid, t.ok() ? t->id.start_time : 0};
}

}  // namespace kstarve::guard
