#include "events/event.h"

namespace kstarve {

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kSwitch: return "sched_switch";
    case EventKind::kWaking: return "sched_waking";
    case EventKind::kWakeup: return "sched_wakeup";
    case EventKind::kWakeupNew: return "sched_wakeup_new";
    case EventKind::kMigrate: return "sched_migrate_task";
    case EventKind::kFork: return "sched_process_fork";
    case EventKind::kExit: return "sched_process_exit";
    case EventKind::kStatRuntime: return "sched_stat_runtime";
    case EventKind::kStatWait: return "sched_stat_wait";
    case EventKind::kIrqEntry: return "irq_handler_entry";
    case EventKind::kIrqExit: return "irq_handler_exit";
    case EventKind::kSoftirqRaise: return "softirq_raise";
    case EventKind::kSoftirqEntry: return "softirq_entry";
    case EventKind::kSoftirqExit: return "softirq_exit";
    case EventKind::kWorkStart: return "workqueue_execute_start";
    case EventKind::kWorkEnd: return "workqueue_execute_end";
    case EventKind::kLost: return "lost_events";
    case EventKind::kCpuStart: return "cpu_buffer_started";
  }
  return "?";
}

}  // namespace kstarve
