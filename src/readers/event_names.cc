#include "readers/event_names.h"

namespace kstarve {

bool LookupUsedEvent(std::string_view name, EventKind& kind) {
  // Comparing with literals of a known length compiles to a few word
  // compares; the switch keeps it to the names of that length.
  auto is = [&](std::string_view known, EventKind k) {
    if (name != known) return false;
    kind = k;
    return true;
  };
  switch (name.size()) {
    case 12:
      return is("sched_switch", EventKind::kSwitch) || is("sched_waking", EventKind::kWaking) ||
             is("sched_wakeup", EventKind::kWakeup) || is("softirq_exit", EventKind::kSoftirqExit);
    case 13: return is("softirq_raise", EventKind::kSoftirqRaise) || is("softirq_entry", EventKind::kSoftirqEntry);
    case 15: return is("sched_stat_wait", EventKind::kStatWait);
    case 16: return is("sched_wakeup_new", EventKind::kWakeupNew) || is("irq_handler_exit", EventKind::kIrqExit);
    case 17: return is("irq_handler_entry", EventKind::kIrqEntry);
    case 18:
      return is("sched_stat_runtime", EventKind::kStatRuntime) || is("sched_migrate_task", EventKind::kMigrate) ||
             is("sched_process_fork", EventKind::kFork) || is("sched_process_exit", EventKind::kExit);
    case 21: return is("workqueue_execute_end", EventKind::kWorkEnd);
    case 23: return is("workqueue_execute_start", EventKind::kWorkStart);
    default: return false;
  }
}

}  // namespace kstarve
