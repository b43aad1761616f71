// The one event model every reader produces and the analysis consumes.
//
// An Event is a fixed-size record of one scheduler, IRQ or workqueue
// tracepoint hit. Fields are generic (`tid`, `tid2`, `arg`, ...) and their
// meaning per kind is listed beside EventKind, so that readers for ftrace
// text, perf script, trace-cmd and trace.dat all fill the same struct.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/interner.h"

namespace kstarve {

enum class EventKind : uint8_t {
  kSwitch,        // tid=prev_pid comm=prev_comm prio=prev_prio state=prev_state
                  // tid2=next_pid comm2=next_comm prio2=next_prio
  kWaking,        // tid comm prio; arg=target_cpu (-1 if absent)
  kWakeup,        // same as kWaking
  kWakeupNew,     // same as kWaking
  kMigrate,       // tid comm prio; arg=dest_cpu arg2=orig_cpu
  kFork,          // tid=parent_pid comm=parent_comm tid2=child_pid comm2=child_comm
  kExit,          // tid comm prio
  kStatRuntime,   // tid comm; value=runtime ns
  kStatWait,      // tid comm; value=delay ns (the kernel's own wait measure)
  kIrqEntry,      // arg=irq comm=handler name
  kIrqExit,       // arg=irq
  kSoftirqRaise,  // arg=vec
  kSoftirqEntry,  // arg=vec
  kSoftirqExit,   // arg=vec
  kWorkStart,     // value=work struct address comm=function name
  kWorkEnd,       // value=work struct address comm=function name (if printed)
  kLost,          // value=number of events lost on `cpu` (0 if unknown)
  kCpuStart,      // "##### CPU N buffer started ####": cpu's buffer starts late
};

std::string_view EventKindName(EventKind k);

// prev_state bits as ftrace prints them ("R" is 0, "R+" is kStatePreempted).
enum TaskState : uint16_t {
  kStateRunnable = 0,
  kStateS = 1 << 0,          // interruptible sleep
  kStateD = 1 << 1,          // uninterruptible
  kStateT = 1 << 2,          // stopped
  kStatet = 1 << 3,          // traced
  kStateX = 1 << 4,          // dead
  kStateZ = 1 << 5,          // zombie
  kStateP = 1 << 6,          // parked
  kStateI = 1 << 7,          // idle (TASK_IDLE)
  kStatePreempted = 1 << 8,  // "+": switched out while still runnable
};

// Whether a switched-out thread stays on the runqueue (state R or R+).
inline bool StaysRunnable(uint16_t prev_state) {
  return (prev_state & 0xff) == 0;
}

struct Event {
  int64_t ts = 0;           // nanoseconds, the trace's clock
  int32_t cpu = -1;         // CPU whose buffer recorded it
  int32_t pid = -1;         // thread named in the record header (current on cpu), -1 unknown
  StrId pid_comm = kNoStr;  // comm in the record header
  EventKind kind = EventKind::kSwitch;
  uint16_t state = 0;  // kSwitch: prev_state (TaskState bits)
  int16_t prio = 0;
  int16_t prio2 = 0;
  int32_t tid = -1;
  int32_t tid2 = -1;
  int32_t arg = -1;
  int32_t arg2 = -1;
  StrId comm = kNoStr;
  StrId comm2 = kNoStr;
  uint64_t value = 0;
};

// Where readers put what they read. A reader calls OnEvent in the order the
// input has; the Sorter turns that into time order.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(const Event& e) = 0;
};

}  // namespace kstarve
