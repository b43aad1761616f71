// What a starvation detector reports, and the detector interface. The
// semantics of a wait are those of the report (docs/semantics.md): from the
// first wakeup of a thread that is not running, or from a switch-out in
// state R/R+, to its next switch-in.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kstarve::guard {

enum class StarvationKind { kLongWait, kChronicDelay };

struct Starvation {
  StarvationKind kind = StarvationKind::kLongWait;
  int32_t pid = -1;
  std::string comm;
  int cpu = -1;               // CPU whose runqueue it waits on (last known)
  int64_t wait_start_ns = 0;  // CLOCK_MONOTONIC: when the (current) wait began
  int64_t detected_ns = 0;    // CLOCK_MONOTONIC: when the detector saw it
  int64_t waited_ns = 0;      // long-wait: so far; chronic: sum of waits in the window
  double share = 0;           // chronic: waited_ns / window
  uint64_t waits = 0;         // chronic: number of waits in the window
  int32_t holder_pid = -1;    // who ran on that CPU when detected (-1 unknown)
  std::string holder_comm;
  int holder_prio = 0;  // kernel prio of the holder (0..99 RT, 100..139 fair, -1 deadline, 140 unknown)
};

struct DetectorOptions {
  int64_t long_wait_ns = 20'000'000;        // report a wait once it is this long (>= 1 ms)
  int64_t chronic_window_ns = 500'000'000;  // chronic delay is judged per window
  double chronic_share = 0.30;              // share of the window spent waiting
  uint64_t chronic_min_waits = 20;          // ... in at least this many waits
  int64_t poll_interval_ns = 0;             // 0: long_wait_ns / 4, at most 5 ms
};

// What one in-kernel program of a detector has cost since it was loaded:
// the kernel's own accounting (bpf_prog_info run_time_ns / run_cnt, kept
// while BPF run-time statistics are enabled). The programs run inside the
// scheduler events of other tasks, so this time is not in the poller's
// utime+stime; the guard's honest cost is both.
struct ProgramCost {
  std::string name;  // e.g. "ks_switch"
  uint64_t run_time_ns = 0;
  uint64_t runs = 0;
};

struct DetectorCost {
  bool available = false;  // false: no in-kernel programs, or the kernel keeps no statistics
  std::string note;        // why not available, if the backend has programs
  std::vector<ProgramCost> programs;
  uint64_t run_time_ns() const {
    uint64_t n = 0;
    for (const ProgramCost& p : programs) n += p.run_time_ns;
    return n;
  }
  uint64_t runs() const {
    uint64_t n = 0;
    for (const ProgramCost& p : programs) n += p.runs;
    return n;
  }
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string_view Backend() const = 0;  // "bpf" or "tracefs"
  virtual Status Start() = 0;
  // Non-blocking: reports what was found since the last call. A long wait is
  // reported once per wait (again only after the thread ran).
  virtual Status Poll(const std::function<void(const Starvation&)>& report) = 0;
  // Detaches everything and restores any tracing state it changed.
  virtual void Stop() = 0;
  // CLOCK_MONOTONIC ns at which Poll should next be called: the poll
  // interval, or earlier when a known wait crosses long_wait_ns sooner (so a
  // caller that sleeps until then reports it without the interval's delay).
  // 0: no hint, poll every poll_interval_ns.
  virtual int64_t NextPollNs() const { return 0; }
  // A descriptor that becomes readable when Poll has something to report
  // before NextPollNs (the caller adds it to its poll set), or -1.
  virtual int PollFd() const { return -1; }
  // The cost of the detector's in-kernel programs so far (a few syscalls;
  // call it for metrics and logs, not per poll). Backends without programs
  // (tracefs: its cost is all in the poller) return `available = false`.
  virtual DetectorCost Cost() const { return {}; }
};

}  // namespace kstarve::guard
