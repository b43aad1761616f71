#include "report/verdict.h"

#include <algorithm>
#include <cstdio>

#include "analysis/sched_context.h"
#include "base/format.h"

namespace kstarve {

namespace {

bool LooksLikeKernelThread(const FindingReport& f) {
  if (f.victim_sched.known) return f.victim_sched.kernel_thread;
  if (f.bound_cpu >= 0) return true;
  for (const char* prefix : {"kworker/", "ksoftirqd/", "rcu", "kswapd", "jbd2/", "irq/", "kthreadd"}) {
    if (f.victim.comm.starts_with(prefix)) return true;
  }
  return false;
}

std::string Behind(const std::vector<Antagonist>& as) {
  for (const Antagonist& a : as) {
    if (a.pid <= 0) continue;
    std::string sched = DescribeSched(a.sched);
    if (sched.empty()) sched = std::string(TaskClassName(a.cls)) + " prio " + std::to_string(a.prio);
    std::string s = a.comm;
    s += " (" + std::to_string(a.pid) + ") [";
    s += sched;
    s += ']';
    return s;
  }
  return "nobody traced (idle or untraced time)";
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
  return buf;
}

}  // namespace

Verdict BuildVerdict(const Report& r, size_t max_items) {
  Verdict v;
  std::vector<const FindingReport*> order;
  for (const FindingReport& f : r.findings) order.push_back(&f);
  // Kernel threads first, then the order of the findings (worst first).
  std::stable_sort(order.begin(), order.end(), [](const FindingReport* a, const FindingReport* b) {
    return LooksLikeKernelThread(*a) && !LooksLikeKernelThread(*b);
  });
  size_t kernel = 0;
  for (const FindingReport* f : order) kernel += LooksLikeKernelThread(*f) ? 1 : 0;
  for (const FindingReport* f : order) {
    if (v.items.size() == max_items) break;
    VerdictItem item;
    item.victim = f->victim;
    item.kernel_thread = LooksLikeKernelThread(*f);
    item.kind = f->kind;
    item.cause = f->cause;
    if (f->kind == "chronic-delay") {
      item.what =
          "was runnable but waiting " + Percent(f->delay_share) + " of the " + FormatMs(r.duration_ns()) + " ms window";
    } else {
      item.what = "waited " + FormatMs(f->worst_ns) + " ms at once";
    }
    item.behind = Behind(f->antagonists);
    item.why = f->why;
    item.fix = f->recommendation;
    v.items.push_back(std::move(item));
  }
  const std::string window = FormatMs(r.duration_ns()) + " ms";
  if (r.findings.empty()) {
    const TaskReport* worst = nullptr;
    for (const TaskReport& t : r.tasks) {
      if (worst == nullptr || t.max_delay_ns > worst->max_delay_ns) worst = &t;
    }
    v.summary = "No thread starved in " + window + ": ";
    if (worst != nullptr && worst->max_delay_ns > 0) {
      v.summary += "the longest wait was " + FormatMs(worst->max_delay_ns) + " ms (" + worst->comm + ", " +
                   std::to_string(worst->pid) + "), ";
    }
    v.summary += "below the " + FormatMs(r.options.threshold_ns) + " ms threshold, and no thread waited " +
                 std::to_string(static_cast<int>(r.options.chronic_share * 100)) + " % of the time.";
    return v;
  }
  const VerdictItem& top = v.items.front();
  v.summary = std::to_string(r.findings.size()) + " thread(s) starved in " + window + " (" + std::to_string(kernel) +
              " of them kernel threads); worst: " + top.victim.comm + " (" + std::to_string(top.victim.pid) + ") " +
              top.what + ", behind " + top.behind + ".";
  return v;
}

void WriteVerdictText(const Verdict& v, bool color, std::ostream& out) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  out << bold << "Verdict: " << reset << v.summary << "\n";
  int n = 0;
  for (const VerdictItem& i : v.items) {
    out << "  " << ++n << ". " << bold << i.victim.comm << " (" << i.victim.pid << ")" << reset
        << (i.kernel_thread ? ", a kernel thread, " : " ") << i.what << " (" << i.kind << ", " << i.cause << ")\n"
        << "     behind: " << i.behind << "\n";
    if (!i.why.empty()) out << "     why:    " << i.why << "\n";
    out << "     do:     " << i.fix << "\n";
  }
  out << "\n";
}

}  // namespace kstarve
