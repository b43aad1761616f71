// Matching threads against rules and computing the attributes a rule gives.
// Pure functions over ThreadInfo, so the live guard and the simulator agree.
#include "guard/rules.h"

#include <fnmatch.h>

#include <algorithm>
#include <string_view>

namespace kstarve::guard {
namespace {

bool IsKworker(std::string_view comm) {
  return comm.starts_with("kworker/");
}

// "kworker/1:2-dio/vda" -> "kworker/1:2": rules name the worker, and the
// workqueue it serves is matched on its own.
std::string BaseComm(const std::string& comm) {
  if (!IsKworker(comm)) return comm;
  size_t dash = comm.find('-');
  return dash == std::string::npos ? comm : comm.substr(0, dash);
}

bool Glob(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

bool Contains(const std::vector<int>& sorted, int cpu) {
  return std::binary_search(sorted.begin(), sorted.end(), cpu);
}

// A per-CPU kernel thread is bound to its CPU; any other thread counts as
// bound to `cpus` when its affinity allows only CPUs among them.
bool BoundTo(const std::vector<int>& cpus, const ThreadInfo& t) {
  if (t.bound_cpu >= 0) return Contains(cpus, t.bound_cpu);
  if (t.attrs.affinity.empty()) return false;
  return std::all_of(t.attrs.affinity.begin(), t.attrs.affinity.end(), [&](int c) { return Contains(cpus, c); });
}

}  // namespace

bool Matches(const RuleMatch& m, const ThreadInfo& t) {
  if (m.kernel_thread && *m.kernel_thread != t.kernel_thread) return false;
  if (!m.cpus.empty() && !BoundTo(m.cpus, t)) return false;
  if (m.workqueue && !(IsKworker(t.comm) && Glob(*m.workqueue, t.workqueue))) return false;
  if (m.process && !Glob(*m.process, t.process)) return false;
  if (m.comm_glob || m.comm_re) {
    std::string base = BaseComm(t.comm);
    if (m.comm_glob && !Glob(*m.comm_glob, base)) return false;
    if (m.comm_re && !std::regex_match(base, *m.comm_re)) return false;
  }
  return true;
}

const Rule* FirstMatch(const RuleSet& rules, const ThreadInfo& t) {
  for (const Rule& r : rules.rules) {
    if (Matches(r.match, t)) return &r;
  }
  return nullptr;
}

SchedAttrs Apply(const RuleAction& action, const SchedAttrs& current) {
  SchedAttrs out = current;
  if (action.policy) {
    out.policy = *action.policy;
  } else if (action.nice && out.policy != Policy::kOther && out.policy != Policy::kBatch) {
    // A nice value only means something to a fair thread: a rule that sets
    // just nice makes the thread fair (keeping batch if it was batch).
    out.policy = Policy::kOther;
  }
  const bool rt = out.policy == Policy::kFifo || out.policy == Policy::kRr;
  out.rt_priority = rt ? action.priority.value_or(current.rt_priority) : 0;
  if (rt && out.rt_priority == 0) out.rt_priority = 1;  // never an invalid RT priority
  if (action.nice) out.nice = *action.nice;
  if (out.policy == Policy::kDeadline) {
    if (action.runtime_ns) out.dl_runtime_ns = *action.runtime_ns;
    if (action.deadline_ns) out.dl_deadline_ns = *action.deadline_ns;
    if (action.period_ns) out.dl_period_ns = *action.period_ns;
  } else {
    out.dl_runtime_ns = out.dl_deadline_ns = out.dl_period_ns = 0;
  }
  if (!action.affinity.empty()) out.affinity = action.affinity;
  return out;
}

}  // namespace kstarve::guard
