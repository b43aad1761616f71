#include "analysis/thread_tracker.h"

#include <algorithm>

namespace kstarve {

namespace {

constexpr int32_t kMaxCpus = 8192;  // guards against garbage cpu numbers

void Erase(std::vector<int32_t>& v, int32_t pid) {
  auto it = std::find(v.begin(), v.end(), pid);
  if (it != v.end()) {
    *it = v.back();
    v.pop_back();
  }
}

}  // namespace

ThreadTracker::CpuState& ThreadTracker::Cpu(int32_t cpu) {
  if (static_cast<size_t>(cpu) >= cpus_.size()) cpus_.resize(static_cast<size_t>(cpu) + 1);
  return cpus_[static_cast<size_t>(cpu)];
}

ThreadInfo& ThreadTracker::Thread(int32_t pid) {
  return threads_[pid];
}

const ThreadInfo* ThreadTracker::Find(int32_t pid) const {
  return threads_.Find(pid);
}

int ThreadTracker::cpus_seen() const {
  return static_cast<int>(std::count_if(cpus_.begin(), cpus_.end(), [](const CpuState& c) { return c.seen; }));
}

int ThreadTracker::max_cpu() const {
  for (size_t i = cpus_.size(); i-- > 0;) {
    if (cpus_[i].seen) return static_cast<int>(i);
  }
  return -1;
}

void ThreadTracker::NoteIdentity(int32_t pid, StrId comm, int16_t prio, bool has_prio) {
  if (pid <= 0) return;
  ThreadInfo& t = Thread(pid);
  if (comm != kNoStr && comm != t.comm && strings_.Get(comm) != "<...>") t.comm = comm;
  if (has_prio) t.prio = prio;
}

int64_t ThreadTracker::IrqNs(const CpuState& c, int64_t now) const {
  return c.irq_total + (c.irq_depth > 0 ? now - c.irq_start : 0);
}

int64_t ThreadTracker::SoftirqNs(const CpuState& c, int64_t now) const {
  return c.softirq_total + (c.softirq_depth > 0 ? now - c.softirq_start : 0);
}

void ThreadTracker::AttributeCpu(int32_t cpu, int64_t now) {
  CpuState& c = Cpu(cpu);
  int32_t holder = c.current_known ? c.current : kUnknownPid;
  for (int32_t w : c.waiters) {
    ThreadInfo& t = Thread(w);
    int64_t from = std::max(t.attributed_until, c.current_known ? c.since : t.attributed_until);
    AddHeldTime(t.held, holder, now - from);
    t.attributed_until = std::max(t.attributed_until, now);
  }
}

void ThreadTracker::StartWait(int32_t pid, ThreadInfo& t, int32_t cpu, int64_t ts, int32_t waker) {
  CpuState& c = Cpu(cpu);
  t.state = ThreadInfo::State::kRunnable;
  t.cpu = cpu;
  t.wait_start = ts;
  t.attributed_until = ts;
  t.irq_base = IrqNs(c, ts);
  t.softirq_base = SoftirqNs(c, ts);
  t.irq_acc = t.softirq_acc = 0;
  t.stat_wait_ns = -1;
  t.waker = waker;
  t.held.clear();
  c.waiters.push_back(pid);
}

void ThreadTracker::MoveWait(int32_t pid, ThreadInfo& t, int32_t to_cpu, int64_t ts) {
  if (t.cpu == to_cpu) return;
  if (t.cpu >= 0) {
    AttributeCpu(t.cpu, ts);
    CpuState& from = Cpu(t.cpu);
    t.irq_acc += IrqNs(from, ts) - t.irq_base;
    t.softirq_acc += SoftirqNs(from, ts) - t.softirq_base;
    Erase(from.waiters, pid);
  }
  CpuState& to = Cpu(to_cpu);
  t.cpu = to_cpu;
  t.irq_base = IrqNs(to, ts);
  t.softirq_base = SoftirqNs(to, ts);
  t.attributed_until = ts;
  to.waiters.push_back(pid);
}

void ThreadTracker::EndWait(int32_t pid, ThreadInfo& t, int64_t ts, bool truncated) {
  CpuState& c = Cpu(t.cpu);
  AttributeCpu(t.cpu, ts);
  Erase(c.waiters, pid);
  SortLongestFirst(t.held);
  WaitRecord w{pid,
               t.cpu,
               t.wait_start,
               ts,
               t.irq_acc + IrqNs(c, ts) - t.irq_base,
               t.softirq_acc + SoftirqNs(c, ts) - t.softirq_base,
               t.stat_wait_ns,
               t.waker,
               truncated,
               &t.held};
  observer_.OnWait(w);
  t.held.clear();
}

void ThreadTracker::DropWait(int32_t pid, ThreadInfo& t) {
  if (t.state != ThreadInfo::State::kRunnable) return;
  if (t.cpu >= 0) Erase(Cpu(t.cpu).waiters, pid);
  t.held.clear();
  t.state = ThreadInfo::State::kUnknown;
}

void ThreadTracker::SwitchOut(int32_t cpu, int64_t ts, bool stays_runnable, bool state_known) {
  CpuState& c = Cpu(cpu);
  if (!c.current_known) return;
  AttributeCpu(cpu, ts);
  int32_t pid = c.current;
  c.current_known = false;
  if (pid > 0) {
    observer_.OnRun({pid, cpu, c.since, ts});
    ThreadInfo& t = Thread(pid);
    if (t.state == ThreadInfo::State::kRunning && t.cpu == cpu) {
      if (!state_known) {
        t.state = ThreadInfo::State::kUnknown;
      } else if (stays_runnable && !t.exited) {
        StartWait(pid, t, cpu, ts, -1);
      } else {
        t.state = ThreadInfo::State::kSleeping;
      }
    }
  } else if (pid == 0) {
    observer_.OnRun({0, cpu, c.since, ts});
  }
}

void ThreadTracker::SwitchIn(int32_t cpu, int32_t pid, int64_t ts, SwitchInKind kind) {
  CpuState& c = Cpu(cpu);
  c.current = pid;
  c.current_known = true;
  c.since = ts;
  if (pid <= 0) return;
  ThreadInfo& t = Thread(pid);
  if (t.state == ThreadInfo::State::kRunning && t.cpu != cpu && t.cpu >= 0) {
    // Its switch-out on the other CPU is missing: that CPU's holder is unknown
    // from its last event on.
    CpuState& other = Cpu(t.cpu);
    if (other.current_known && other.current == pid) {
      AttributeCpu(t.cpu, other.last_ts);
      observer_.OnRun({pid, t.cpu, other.since, std::max(other.since, other.last_ts)});
      other.current_known = false;
    }
  }
  if (t.state == ThreadInfo::State::kRunnable) EndWait(pid, t, ts, false);
  t.state = ThreadInfo::State::kRunning;
  t.cpu = cpu;
  if (kind != SwitchInKind::kEstablished) observer_.OnSwitchIn(pid, kind == SwitchInKind::kInferred);
}

void ThreadTracker::InferSwitchIn(int32_t cpu, int32_t pid, int64_t ts) {
  ++inferred_switches_;
  SwitchOut(cpu, ts, false, /*state_known=*/false);
  SwitchIn(cpu, pid, ts, SwitchInKind::kInferred);
}

void ThreadTracker::HeaderThread(const Event& e, int64_t previous_ts) {
  CpuState& c = Cpu(e.cpu);
  if (e.pid < 0) return;
  if (!c.current_known) {
    // First event on this CPU (or first after a loss): the header names who
    // runs, since some time we cannot see. No switch is counted.
    SwitchIn(e.cpu, e.pid, e.ts, SwitchInKind::kEstablished);
    if (c.after_gap && e.pid > 0) Thread(e.pid).touched_by_loss = true;
    c.after_gap = false;
  } else if (c.current != e.pid) {
    // The kernel did not trace this switch-in. If the record is the thread's
    // own sched_stat_runtime, it has run `value` ns already: backdate, but
    // not past the previous event, whose effects are already applied.
    int64_t at = e.ts;
    if (e.kind == EventKind::kStatRuntime && e.tid == e.pid && previous_ts != INT64_MIN) {
      at = std::max(previous_ts, e.ts - static_cast<int64_t>(std::min<uint64_t>(e.value, INT64_MAX / 2)));
    }
    InferSwitchIn(e.cpu, e.pid, at);
  }
}

void ThreadTracker::OnSwitch(const Event& e) {
  NoteIdentity(e.tid, e.comm, e.prio, true);
  NoteIdentity(e.tid2, e.comm2, e.prio2, true);
  CpuState& c = Cpu(e.cpu);
  // Normally HeaderThread has made prev the current thread already; a record
  // without a header (or with a different one) is handled the same way.
  if (!c.current_known) {
    SwitchIn(e.cpu, e.tid, e.ts, SwitchInKind::kEstablished);
  } else if (c.current != e.tid) {
    InferSwitchIn(e.cpu, e.tid, e.ts);
  }
  SwitchOut(e.cpu, e.ts, StaysRunnable(e.state), true);
  SwitchIn(e.cpu, e.tid2, e.ts, SwitchInKind::kTraced);
}

void ThreadTracker::OnWakeup(const Event& e) {
  NoteIdentity(e.tid, e.comm, e.prio, true);
  if (e.tid <= 0) return;
  ThreadInfo& t = Thread(e.tid);
  int32_t target = e.arg >= 0 && e.arg < kMaxCpus ? e.arg : e.cpu;
  if (e.kind == EventKind::kWakeupNew) t.exited = false;
  switch (t.state) {
    case ThreadInfo::State::kRunning: return;  // already running: nothing to wait for
    case ThreadInfo::State::kRunnable: MoveWait(e.tid, t, target, e.ts); return;
    case ThreadInfo::State::kUnknown:
    case ThreadInfo::State::kSleeping:
      StartWait(e.tid, t, target, e.ts, e.pid);
      observer_.OnWake({e.pid, e.tid, e.cpu, e.ts});
      return;
  }
}

void ThreadTracker::OnMigrate(const Event& e) {
  NoteIdentity(e.tid, e.comm, e.prio, true);
  if (e.tid <= 0 || e.arg < 0 || e.arg >= kMaxCpus) return;
  ThreadInfo& t = Thread(e.tid);
  if (t.state == ThreadInfo::State::kRunnable) {
    MoveWait(e.tid, t, e.arg, e.ts);
  } else if (t.state != ThreadInfo::State::kRunning) {
    t.cpu = e.arg;
  }
}

void ThreadTracker::ForgetCpu(int32_t cpu, int64_t ts) {
  // Events of this CPU are missing: forget who runs there and drop the waits
  // queued on it, since their ends may be among what was lost.
  CpuState& c = Cpu(cpu);
  c.after_gap = true;
  if (c.current_known) {
    if (c.current > 0) Thread(c.current).touched_by_loss = true;
    SwitchOut(cpu, ts, false, false);
  }
  std::vector<int32_t> waiters = c.waiters;
  for (int32_t w : waiters) {
    ThreadInfo& t = Thread(w);
    t.touched_by_loss = true;
    DropWait(w, t);
  }
}

void ThreadTracker::OnEvent(const Event& e) {
  if (e.cpu < 0 || e.cpu >= kMaxCpus) return;
  CpuState& c = Cpu(e.cpu);
  if (e.kind == EventKind::kLost) {
    ++lost_markers_;
    lost_events_ += e.value;
    ForgetCpu(e.cpu, e.ts);
    return;
  }
  if (e.kind == EventKind::kCpuStart) {
    // Its buffer starts later than the others: waits queued on it so far
    // would end at an unseen time.
    if (std::find(late_cpus_.begin(), late_cpus_.end(), e.cpu) == late_cpus_.end()) late_cpus_.push_back(e.cpu);
    ForgetCpu(e.cpu, e.ts);
    return;
  }
  c.seen = true;
  c.last_ts = e.ts;
  const int64_t previous_ts = previous_ts_;
  previous_ts_ = e.ts;
  NoteIdentity(e.pid, e.pid_comm, 0, false);
  HeaderThread(e, previous_ts);
  switch (e.kind) {
    case EventKind::kSwitch:
      // Hard and soft IRQ handlers never span a context switch: one still
      // open here lost its exit (docs/semantics.md), so it ends now.
      if (c.irq_depth > 0) c.irq_total += e.ts - c.irq_start, c.irq_depth = 0;
      if (c.softirq_depth > 0) c.softirq_total += e.ts - c.softirq_start, c.softirq_depth = 0;
      OnSwitch(e);
      break;
    case EventKind::kWaking:
    case EventKind::kWakeup:
    case EventKind::kWakeupNew: OnWakeup(e); break;
    case EventKind::kMigrate: OnMigrate(e); break;
    case EventKind::kFork:
      NoteIdentity(e.tid, e.comm, 0, false);
      if (e.tid2 > 0) {
        ThreadInfo& child = Thread(e.tid2);
        if (child.exited) {
          observer_.OnThreadReset(e.tid2);
          DropWait(e.tid2, child);
          child = ThreadInfo();
        }
        NoteIdentity(e.tid2, e.comm2, 0, false);
      }
      break;
    case EventKind::kExit:
      NoteIdentity(e.tid, e.comm, e.prio, true);
      if (e.tid > 0) Thread(e.tid).exited = true;
      break;
    case EventKind::kStatWait:
      if (e.tid > 0) {
        ThreadInfo& t = Thread(e.tid);
        if (t.state == ThreadInfo::State::kRunnable) t.stat_wait_ns = static_cast<int64_t>(e.value);
      }
      break;
    case EventKind::kIrqEntry:
      if (c.irq_depth++ == 0) c.irq_start = e.ts;
      break;
    case EventKind::kIrqExit:
      if (c.irq_depth > 0 && --c.irq_depth == 0) c.irq_total += e.ts - c.irq_start;
      break;
    case EventKind::kSoftirqEntry:
      if (c.softirq_depth++ == 0) c.softirq_start = e.ts;
      break;
    case EventKind::kSoftirqExit:
      if (c.softirq_depth > 0 && --c.softirq_depth == 0) c.softirq_total += e.ts - c.softirq_start;
      break;
    default: break;
  }
}

void ThreadTracker::Finish(int64_t end) {
  for (size_t cpu = 0; cpu < cpus_.size(); ++cpu) {
    CpuState& c = cpus_[cpu];
    if (c.irq_depth > 0) c.irq_total += end - c.irq_start, c.irq_depth = 0;
    if (c.softirq_depth > 0) c.softirq_total += end - c.softirq_start, c.softirq_depth = 0;
  }
  for (size_t cpu = 0; cpu < cpus_.size(); ++cpu) {
    CpuState& c = cpus_[cpu];
    std::vector<int32_t> waiters = c.waiters;
    for (int32_t w : waiters) {
      if (c.seen) {
        EndWait(w, Thread(w), end, true);
      } else {
        // Queued on a CPU the trace never shows: nothing to observe.
        ++unobserved_waits_;
        DropWait(w, Thread(w));
      }
    }
    if (c.current_known) {
      observer_.OnRun({c.current, static_cast<int32_t>(cpu), c.since, end});
      c.current_known = false;
    }
  }
}

}  // namespace kstarve
