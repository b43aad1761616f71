// ThreadTracker: the per-thread and per-CPU state machine of docs/semantics.md.
//
// It consumes time-ordered events and reports, to an observer, every run
// slice (who held which CPU when), every finished wait (with who held the
// waiting thread's CPU meanwhile and how much of it went to IRQs), and every
// wakeup. It keeps only current state: memory is O(threads + CPUs).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "analysis/held_time.h"
#include "base/interner.h"
#include "base/pid_map.h"
#include "events/event.h"

namespace kstarve {

inline constexpr int32_t kUnknownPid = -1;  // "some thread we cannot name"

struct RunSlice {
  int32_t pid;
  int32_t cpu;
  int64_t start;
  int64_t end;
};

struct WaitRecord {
  int32_t pid;
  int32_t cpu;    // the CPU it was queued on when the wait ended
  int64_t start;  // first wakeup, or switch-out in R/R+
  int64_t end;    // switch-in (traced or inferred), or end of trace
  int64_t irq_ns;
  int64_t softirq_ns;
  int64_t kernel_wait_ns;             // sched_stat_wait for this wait, or -1
  int32_t waker;                      // thread whose wakeup started the wait, or -1
  bool truncated;                     // still waiting at the end of the trace
  const std::vector<HeldTime>* held;  // who ran on its CPU during the wait
};

struct WakeRecord {
  int32_t waker;
  int32_t wakee;
  int32_t cpu;  // where the waker ran
  int64_t ts;
};

class TrackerObserver {
 public:
  virtual ~TrackerObserver() = default;
  virtual void OnRun(const RunSlice&) {}
  virtual void OnWait(const WaitRecord&) {}
  virtual void OnWake(const WakeRecord&) {}
  // A switch-in of `pid`, traced or inferred (the first thread seen on a CPU
  // is not a switch-in).
  virtual void OnSwitchIn(int32_t /*pid*/, bool /*inferred*/) {}
  // A thread's identity changed in a way statistics must not merge across
  // (pid reuse after exit).
  virtual void OnThreadReset(int32_t /*pid*/) {}
};

// What the tracker knows about one thread right now.
struct ThreadInfo {
  enum class State : uint8_t { kUnknown, kRunning, kRunnable, kSleeping };
  StrId comm = kNoStr;
  int16_t prio = 120;
  State state = State::kUnknown;
  bool exited = false;
  bool touched_by_loss = false;  // a lost-events gap hid part of its history
  int32_t cpu = -1;              // running or queued on
  // The current wait.
  int64_t wait_start = 0;
  int64_t attributed_until = 0;
  int64_t irq_base = 0, softirq_base = 0;  // CPU counters when attribution began
  int64_t irq_acc = 0, softirq_acc = 0;    // from CPUs it left during the wait
  int64_t stat_wait_ns = -1;               // sched_stat_wait seen during the wait
  int32_t waker = -1;
  std::vector<HeldTime> held;
};

class ThreadTracker : public EventSink {
 public:
  ThreadTracker(const StringInterner& strings, TrackerObserver& observer) : strings_(strings), observer_(observer) {}

  void OnEvent(const Event& e) override;
  // Closes runs and waits still open at `end` (the end of the trace window).
  void Finish(int64_t end);

  const ThreadInfo* Find(int32_t pid) const;
  uint64_t inferred_switches() const { return inferred_switches_; }
  uint64_t lost_events() const { return lost_events_; }
  uint64_t lost_markers() const { return lost_markers_; }
  // Waits still open at the end on CPUs with no event in the trace, dropped.
  uint64_t unobserved_waits() const { return unobserved_waits_; }
  const std::vector<int32_t>& late_cpus() const { return late_cpus_; }
  int cpus_seen() const;
  int max_cpu() const;  // highest CPU number with an event, -1 if none

 private:
  struct CpuState {
    bool seen = false;
    int32_t current = kUnknownPid;
    bool current_known = false;
    int64_t since = 0;
    int64_t last_ts = 0;
    bool after_gap = false;  // lost events or a late buffer start: the next holder's past is unknown
    int irq_depth = 0;
    int64_t irq_start = 0, irq_total = 0;
    int softirq_depth = 0;
    int64_t softirq_start = 0, softirq_total = 0;
    std::vector<int32_t> waiters;
  };

  CpuState& Cpu(int32_t cpu);
  ThreadInfo& Thread(int32_t pid);
  void NoteIdentity(int32_t pid, StrId comm, int16_t prio, bool has_prio);

  int64_t IrqNs(const CpuState& c, int64_t now) const;
  int64_t SoftirqNs(const CpuState& c, int64_t now) const;

  // Adds the current holder of `cpu` to every waiter's held time up to `now`.
  void AttributeCpu(int32_t cpu, int64_t now);
  void StartWait(int32_t pid, ThreadInfo& t, int32_t cpu, int64_t ts, int32_t waker);
  void MoveWait(int32_t pid, ThreadInfo& t, int32_t to_cpu, int64_t ts);
  void EndWait(int32_t pid, ThreadInfo& t, int64_t ts, bool truncated);
  void DropWait(int32_t pid, ThreadInfo& t);

  enum class SwitchInKind { kEstablished, kTraced, kInferred };
  void SwitchIn(int32_t cpu, int32_t pid, int64_t ts, SwitchInKind kind);
  void InferSwitchIn(int32_t cpu, int32_t pid, int64_t ts);
  void SwitchOut(int32_t cpu, int64_t ts, bool stays_runnable, bool state_known);
  void HeaderThread(const Event& e, int64_t previous_ts);
  void OnSwitch(const Event& e);
  void OnWakeup(const Event& e);
  void OnMigrate(const Event& e);
  void ForgetCpu(int32_t cpu, int64_t ts);

  const StringInterner& strings_;
  TrackerObserver& observer_;
  std::vector<CpuState> cpus_;
  PidMap<ThreadInfo> threads_;
  uint64_t inferred_switches_ = 0;
  int64_t previous_ts_ = INT64_MIN;  // time of the previous event, any CPU
  uint64_t lost_events_ = 0;
  uint64_t lost_markers_ = 0;
  uint64_t unobserved_waits_ = 0;
  std::vector<int32_t> late_cpus_;
};

}  // namespace kstarve
