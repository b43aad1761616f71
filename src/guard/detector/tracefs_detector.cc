#include "guard/detector/tracefs_detector.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "guard/detector/detector_options.h"
#include "guard/detector/proc_stat.h"

namespace kstarve::guard {

namespace {

constexpr int kMaxPagesPerCpuPerPoll = 1024;  // bounds one Poll under a flood
// Sub-buffer header: u64 timestamp, then `long` commit (data bytes and flags).
constexpr size_t kPageHeaderBytes = 8 + sizeof(long);
// A full sub-buffer can end with fewer unused bytes than this (the next
// record did not fit); records of the enabled events are under 100 bytes.
constexpr size_t kFullPageSlack = 256;

size_t PageDataBytes(const uint8_t* page, size_t n) {
  if (n < kPageHeaderBytes) return 0;
  unsigned long commit = 0;
  std::memcpy(&commit, page + 8, sizeof commit);
  return commit & ((1UL << 27) - 1);  // the high bits are flags (missed events)
}

std::string Errno() {
  return std::strerror(errno);
}

Status WriteFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": cannot open for writing: " + Errno());
  const ssize_t n = write(fd, text.data(), text.size());
  const int saved = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    errno = saved;
    return Status::Error(path + ": cannot write '" + text + "': " + Errno());
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": cannot open: " + Errno());
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      std::string message = path;
      message.append(": cannot read: ").append(Errno());
      close(fd);
      return Status::Error(message);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// CPU numbers that have a per_cpu/cpuN directory in the instance.
std::vector<int> InstanceCpus(const std::string& dir) {
  std::vector<int> cpus;
  DIR* d = opendir((dir + "/per_cpu").c_str());
  if (d == nullptr) return cpus;
  while (dirent* e = readdir(d)) {
    int cpu = -1;
    if (std::sscanf(e->d_name, "cpu%d", &cpu) == 1 && cpu >= 0) cpus.push_back(cpu);
  }
  closedir(d);
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

}  // namespace

TracefsDetector::TracefsDetector(DetectorOptions options, TracefsDetectorConfig config)
    : options_(options), config_(std::move(config)), scan_(options.long_wait_ns) {}

TracefsDetector::~TracefsDetector() {
  Stop();
}

Status TracefsDetector::Start() {
  if (started_) return Status::Ok();
  if (!RemoveInstance()) {
    return Status::Error("tracefs: cannot remove the earlier instance " + instance_dir_ + ": " + Errno());
  }
  if (Status s = ValidateDetectorOptions(options_); !s.ok()) return s;
  std::string root = config_.tracefs_root;
  if (root.empty()) {
    for (const char* candidate : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
      if (IsDir(std::string(candidate) + "/instances")) {
        root = candidate;
        break;
      }
    }
  }
  if (root.empty() || !IsDir(root + "/instances")) {
    return Status::Error("tracefs: not mounted at /sys/kernel/tracing (mount -t tracefs nodev /sys/kernel/tracing)");
  }
  std::string name =
      config_.instance_name.empty() ? "kstarve-guard-" + std::to_string(getpid()) : config_.instance_name;
  std::string dir = root + "/instances/" + name;
  for (int n = 1; IsDir(dir) && config_.instance_name.empty() && n < 100; ++n) {
    dir = root;
    dir.append("/instances/").append(name).append("-").append(std::to_string(n));
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    return Status::Error("tracefs: cannot create instance " + dir + ": " + Errno() +
                         (errno == EACCES || errno == EPERM ? " (needs root)" : ""));
  }
  instance_dir_ = dir;
  started_ = true;
  auto fail = [this](Status s) {
    Stop();
    return s;
  };
  // A new instance records at once; configure it first, arm it last.
  if (Status s = WriteFile(dir + "/tracing_on", "0"); !s.ok()) return fail(s);
  if (Status s = WriteFile(dir + "/trace_clock", "mono"); !s.ok()) return fail(s);
  if (Status s = WriteFile(dir + "/buffer_size_kb", std::to_string(config_.buffer_kb_per_cpu)); !s.ok()) {
    return fail(s);
  }
  std::vector<std::string> formats;
  bool have_wakeup = false;
  for (const char* event : {"sched_switch", "sched_waking", "sched_wakeup_new", "sched_migrate_task", "sched_wakeup"}) {
    const std::string edir = dir + "/events/sched/" + event;
    const std::string_view ev(event);
    if (ev == "sched_wakeup" && have_wakeup) continue;  // sched_waking already starts waits
    if (!IsDir(edir)) {
      if (ev == "sched_switch") return fail(Status::Error("tracefs: no sched:sched_switch event in " + dir));
      continue;
    }
    Result<std::string> format = ReadFile(edir + "/format");
    if (!format.ok()) return fail(format.status());
    if (Status s = WriteFile(edir + "/enable", "1"); !s.ok()) return fail(s);
    formats.push_back(std::move(*format));
    if (ev == "sched_waking") have_wakeup = true;
  }
  Result<std::unique_ptr<SchedDecoder>> decoder = SchedDecoder::Create(formats, dir + "/events/sched");
  if (!decoder.ok()) return fail(decoder.status());
  decoder_ = std::move(*decoder);

  size_t page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  if (Result<std::string> kb = ReadFile(dir + "/buffer_subbuf_size_kb"); kb.ok()) {
    page_size = std::max<size_t>(page_size, static_cast<size_t>(std::atoi(kb->c_str())) * 1024);
  }
  page_.assign(page_size, 0);
  const std::vector<int> cpus = InstanceCpus(dir);
  if (cpus.empty()) return fail(Status::Error("tracefs: no per_cpu directories in " + dir));
  cpu_fds_.assign(static_cast<size_t>(cpus.back()) + 1, -1);
  for (int cpu : cpus) {
    const std::string path = dir + "/per_cpu/cpu" + std::to_string(cpu) + "/trace_pipe_raw";
    const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return fail(Status::Error(path + ": cannot open: " + Errno()));
    cpu_fds_[static_cast<size_t>(cpu)] = fd;
  }
  if (Status s = WriteFile(dir + "/tracing_on", "1"); !s.ok()) return fail(s);
  const int64_t now = MonotonicNowNs();
  window_start_ns_ = now;
  next_poll_ns_ = now + PollIntervalNs(options_);
  return Status::Ok();
}

bool TracefsDetector::RemoveInstance() {
  if (instance_dir_.empty()) return true;
  // Removing the instance frees its buffers and disables its events; the
  // top-level tracing state was never touched. EBUSY while a file of it is
  // open (in this process, or in a child forked while it was).
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (rmdir(instance_dir_.c_str()) == 0 || errno == ENOENT) {
      instance_dir_.clear();
      return true;
    }
    if (errno != EBUSY) break;
    usleep(10'000);
  }
  return false;
}

void TracefsDetector::Stop() {
  for (int& fd : cpu_fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  cpu_fds_.clear();
  decoder_.reset();
  started_ = false;
  next_poll_ns_ = 0;
  if (!instance_dir_.empty()) {
    // Stop tracing even if the directory stays (it is retried later).
    (void)WriteFile(instance_dir_ + "/tracing_on", "0");
    RemoveInstance();
  }
}

Status TracefsDetector::ReadBuffers() {
  records_.clear();
  for (size_t cpu = 0; cpu < cpu_fds_.size(); ++cpu) {
    const int fd = cpu_fds_[cpu];
    if (fd < 0) continue;
    for (int pages = 0; pages < kMaxPagesPerCpuPerPoll; ++pages) {
      const ssize_t n = read(fd, page_.data(), page_.size());
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      if (n < 0) return Status::Error(instance_dir_ + "/per_cpu/cpu" + std::to_string(cpu) + ": read: " + Errno());
      if (n == 0) break;
      const size_t before = records_.size();
      bool missed = false;
      if (Status s =
              decoder_->DecodePage(static_cast<int32_t>(cpu),
                                   std::span<const uint8_t>(page_.data(), static_cast<size_t>(n)), records_, missed);
          !s.ok()) {
        return s;
      }
      if (missed) {
        SchedRecord lost;
        lost.kind = SchedRecord::Kind::kLost;
        lost.cpu = static_cast<int32_t>(cpu);
        lost.ts = records_.size() > before ? records_[before].ts : MonotonicNowNs();
        records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(before), lost);
        ++lost_pages_;
      }
      // A page the writer had not filled yet means this CPU is read up to
      // now: stop, or a busy CPU would keep this loop reading small pieces.
      if (PageDataBytes(page_.data(), static_cast<size_t>(n)) + kPageHeaderBytes + kFullPageSlack <
          static_cast<size_t>(n)) {
        break;
      }
    }
  }
  // Each CPU's records are in order; replaying them merged by time keeps a
  // wakeup on one CPU after the switch-out it follows on another.
  std::stable_sort(records_.begin(), records_.end(),
                   [](const SchedRecord& a, const SchedRecord& b) { return a.ts < b.ts; });
  for (const SchedRecord& r : records_) {
    const std::string_view comm(r.comm.data(), strnlen(r.comm.data(), r.comm.size()));
    switch (r.kind) {
      case SchedRecord::Kind::kLost: state_.OnLost(r.cpu); break;
      case SchedRecord::Kind::kSwitch:
        state_.OnSwitch(r.cpu, r.ts, r.pid, r.prio, r.prev_runnable, comm, r.next_pid, r.next_prio,
                        std::string_view(r.next_comm.data(), strnlen(r.next_comm.data(), r.next_comm.size())));
        break;
      case SchedRecord::Kind::kWakeup:
        state_.OnRecordThread(r.cpu, r.ts, r.header_pid);
        state_.OnWakeup(r.ts, r.pid, r.target_cpu, comm);
        break;
      case SchedRecord::Kind::kMigrate:
        state_.OnRecordThread(r.cpu, r.ts, r.header_pid);
        state_.OnMigrate(r.pid, r.target_cpu);
        break;
      case SchedRecord::Kind::kOther: state_.OnRecordThread(r.cpu, r.ts, r.header_pid); break;
    }
  }
  return Status::Ok();
}

void TracefsDetector::FillHolder(Starvation& s, int32_t cpu) const {
  const RunningTask* t = state_.Running(cpu);
  if (t == nullptr) return;
  s.holder_pid = t->pid;
  s.holder_comm = t->comm;
  s.holder_prio = t->prio;
  // The trace gave the holder's prio at its switch-in; a thread made RT while
  // it ran (sched_setscheduler emits no switch) shows that only in /proc, and
  // the holder runs now, so /proc is the current truth. One read per report.
  if (t->pid > 0) {
    if (std::optional<ProcTaskStat> st = ReadProcStat(t->pid)) {
      if (s.holder_comm.empty()) s.holder_comm = st->comm;
      s.holder_prio = st->prio;
    }
  }
  if (t->pid == 0 && s.holder_comm.empty()) s.holder_comm = "swapper/" + std::to_string(cpu);
  if (t->pid == 0 && s.holder_prio == kUnknownPrio) s.holder_prio = 120;
}

void TracefsDetector::ReportLongWaits(int64_t now, const std::function<void(const Starvation&)>& report) {
  open_.clear();
  due_.clear();
  state_.OpenWaits(open_);
  scan_.Scan(open_, now, due_);
  for (const OpenWait& w : due_) {
    // A wait the trace shows but /proc does not (the thread is gone or
    // sleeping) is a leftover of missed records: not reported.
    std::optional<ProcTaskStat> st = ReadProcStat(w.pid);
    if (!st || st->state != 'R') continue;
    std::string comm(state_.WaiterComm(w.pid));
    Starvation s = LongWaitReport(w, comm.empty() ? st->comm : std::move(comm));
    FillHolder(s, w.cpu);
    report(s);
  }
}

void TracefsDetector::ReportChronic(int64_t now, const std::function<void(const Starvation&)>& report) {
  const int64_t window = now - window_start_ns_;
  if (window < options_.chronic_window_ns) return;
  window_start_ns_ = now;
  state_.TakeTotals(totals_);
  for (const auto& [pid, t] : totals_) {
    if (!IsChronic(t.sum_wait_ns, t.waits, window, options_.chronic_share, options_.chronic_min_waits)) continue;
    Starvation s;
    s.kind = StarvationKind::kChronicDelay;
    s.pid = pid;
    s.cpu = t.cpu;
    s.wait_start_ns = now - window;
    s.detected_ns = MonotonicNowNs();
    s.waited_ns = t.sum_wait_ns;
    s.share = WaitShare(t.sum_wait_ns, window);
    s.waits = t.waits;
    s.holder_pid = t.holder_pid;
    s.holder_prio = t.holder_prio;
    if (std::optional<ProcTaskStat> st = ReadProcStat(pid)) s.comm = st->comm;
    if (t.holder_pid > 0) {
      if (std::optional<ProcTaskStat> hs = ReadProcStat(t.holder_pid)) {
        s.holder_comm = hs->comm;
        if (s.holder_prio == kUnknownPrio) s.holder_prio = hs->prio;
      }
    } else if (t.holder_pid == 0) {
      s.holder_comm = "swapper/" + std::to_string(t.cpu);
    }
    report(s);
  }
}

Status TracefsDetector::Poll(const std::function<void(const Starvation&)>& report) {
  if (!started_) return Status::Error("tracefs detector: Poll before Start");
  // The time before the read: every wait that ended by then is in the buffer.
  const int64_t now = MonotonicNowNs();
  if (Status s = ReadBuffers(); !s.ok()) return s;
  ReportLongWaits(now, report);
  ReportChronic(now, report);
  next_poll_ns_ = NextPollAt(now, PollIntervalNs(options_), scan_.earliest_crossing(),
                             window_start_ns_ + options_.chronic_window_ns);
  return Status::Ok();
}

}  // namespace kstarve::guard
