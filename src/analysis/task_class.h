// What kind of thread a trace record describes: scheduling class (from the
// prio the tracepoints print) and whether it is a per-CPU kernel thread that
// cannot migrate away from its CPU.
#pragma once

#include <cstdint>
#include <string_view>

namespace kstarve {

enum class TaskClass : uint8_t { kDeadline, kRt, kFair, kIdle, kStop, kUnknown };

std::string_view TaskClassName(TaskClass c);  // "deadline", "rt", "fair", "idle", "stop", "unknown"

// Tracepoints print p->prio: -1 SCHED_DEADLINE, 0..99 RT (99 - rt_priority),
// 100..139 fair (120 + nice). migration/N runs in the stop class but prints 0.
TaskClass ClassFromPrio(int32_t pid, int prio, std::string_view comm);

// RT priority as chrt shows it (1..99) for an RT prio; 0 otherwise.
int RtPriority(int prio);
// Nice value for a fair prio; 0 otherwise.
int NiceFromPrio(int prio);

// The CPU a per-CPU kernel thread is bound to, from its comm, or -1:
// kworker/3:1, kworker/3:1H-kblockd, ksoftirqd/3, rcuc/3, migration/3,
// cpuhp/3, ktimers/3, irq_work/3, idle_inject/3, watchdog/3.
// Unbound workers (kworker/u8:2) and threaded IRQs are not per-CPU.
int BoundCpuFromComm(std::string_view comm);

// The workqueue/function suffix of a kworker comm ("kworker/1:2-dio/vda" ->
// "dio/vda"), or empty.
std::string_view KworkerSuffix(std::string_view comm);

}  // namespace kstarve
