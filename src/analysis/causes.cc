#include "analysis/causes.h"

#include <array>

namespace kstarve {

std::string_view ClassifyCause(int64_t wait_ns, int64_t irq_ns, int64_t softirq_ns,
                               const std::vector<Antagonist>& antagonists) {
  if (wait_ns > 0 && 2 * irq_ns >= wait_ns) return "irq";
  if (wait_ns > 0 && 2 * softirq_ns >= wait_ns) return "softirq";
  // Per-class totals; stop-class threads (migration/N) preempt like RT ones.
  int64_t rt = 0, deadline = 0, fair = 0, other = 0;
  for (const Antagonist& a : antagonists) {
    switch (a.cls) {
      case TaskClass::kRt:
      case TaskClass::kStop: rt += a.ns; break;
      case TaskClass::kDeadline: deadline += a.ns; break;
      case TaskClass::kFair: fair += a.ns; break;
      case TaskClass::kIdle:
      case TaskClass::kUnknown: other += a.ns; break;
    }
  }
  if (rt == 0 && deadline == 0 && fair == 0) return "unknown";
  if (other > rt && other > deadline && other > fair) return "unknown";
  if (rt >= deadline && rt >= fair) return "rt-preemption";
  if (deadline >= fair) return "deadline";
  return "fair-share";
}

}  // namespace kstarve
