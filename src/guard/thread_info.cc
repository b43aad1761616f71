#include "guard/thread_info.h"

#include "guard/cpu_list.h"

namespace kstarve::guard {

const char* PolicyName(Policy p) {
  switch (p) {
    case Policy::kOther: return "other";
    case Policy::kFifo: return "fifo";
    case Policy::kRr: return "rr";
    case Policy::kBatch: return "batch";
    case Policy::kIdle: return "idle";
    case Policy::kDeadline: return "deadline";
  }
  return "unknown";  // a policy number this build does not know (e.g. SCHED_EXT)
}

std::string Describe(const SchedAttrs& a) {
  std::string out = PolicyName(a.policy);
  switch (a.policy) {
    case Policy::kOther:
    case Policy::kBatch: out += " nice " + std::to_string(a.nice); break;
    case Policy::kFifo:
    case Policy::kRr: out += ' ' + std::to_string(a.rt_priority); break;
    case Policy::kDeadline:
      // runtime/period in ns; the relative deadline only when it differs.
      out += ' ' + std::to_string(a.dl_runtime_ns);
      if (a.dl_deadline_ns != a.dl_period_ns) out += '/' + std::to_string(a.dl_deadline_ns);
      out += '/' + std::to_string(a.dl_period_ns);
      break;
    case Policy::kIdle: break;
  }
  if (!a.affinity.empty()) out += " cpus " + FormatCpuList(a.affinity);
  return out;
}

}  // namespace kstarve::guard
