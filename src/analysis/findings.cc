#include "analysis/findings.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "analysis/causes.h"
#include "analysis/sched_context.h"
#include "analysis/task_class.h"
#include "base/format.h"

namespace kstarve {

namespace {

// The first antagonist that is a thread (not idle time or an unknown holder).
const Antagonist* TopThread(const std::vector<Antagonist>& as) {
  for (const Antagonist& a : as) {
    if (a.pid > 0) return &a;
  }
  return nullptr;
}

std::string PolicyOf(const Antagonist& a) {
  switch (a.cls) {
    case TaskClass::kRt: return "RT priority " + std::to_string(RtPriority(a.prio));
    case TaskClass::kStop: return "the stop class";
    case TaskClass::kDeadline: return "SCHED_DEADLINE";
    case TaskClass::kFair: return "nice " + std::to_string(NiceFromPrio(a.prio));
    default: return "an unknown policy";
  }
}

// "kworker/1:*" for per-CPU kworkers, else the comm itself.
std::string ClassName(const std::string& comm, int bound_cpu) {
  if (bound_cpu >= 0 && comm.starts_with("kworker/")) return "kworker/" + std::to_string(bound_cpu) + ":*";
  return comm;
}

std::string Who(const Antagonist& a) {
  return a.comm + " (" + std::to_string(a.pid) + ")";
}

std::string HeldSummary(const std::vector<Antagonist>& as, int64_t wait_ns) {
  std::string s;
  int shown = 0;
  for (const Antagonist& a : as) {
    if (shown == 3) break;
    if (!s.empty()) s += ", ";
    s += a.pid > 0 ? Who(a) + " [" + std::string(TaskClassName(a.cls)) + ", " + PolicyOf(a) + "]" : a.comm;
    s += " " + FormatMs(a.ns) + " ms (" + FormatPercent(a.ns, wait_ns) + ")";
    ++shown;
  }
  return s.empty() ? "nothing traced" : s;
}

}  // namespace

std::string Recommend(const FindingReport& f, int nice_now) {
  const Antagonist* a = TopThread(f.antagonists);
  const std::string victim = ClassName(f.victim.comm, f.bound_cpu);
  const bool per_cpu = f.bound_cpu >= 0;
  const std::string cpu = std::to_string(f.bound_cpu);
  const std::string pin_note =
      per_cpu ? victim + " is a per-CPU kernel thread and cannot migrate off CPU " + cpu + ". " : std::string();
  const std::string standing =
      per_cpu && f.victim.comm.starts_with("kworker/")
          ? " kworkers come and go, so make it a standing rule (kstarve guard) rather than a one-off chrt/renice."
          : "";
  if (f.cause == "rt-preemption" && a != nullptr) {
    if (a->cls == TaskClass::kStop) {
      return "The stop class (" + a->comm + ") ran: CPU migration or hotplug work, nothing to tune on " + victim + ".";
    }
    int rtp = RtPriority(a->prio);
    if (f.victim_prio < 100) {  // RT victim behind a higher RT thread
      return pin_note + "Raise " + victim + " above RT priority " + std::to_string(rtp) + " (chrt -r -p " +
             std::to_string(std::min(rtp + 1, 99)) + " " + std::to_string(f.victim.pid) + "), or lower " + Who(*a) +
             " below it." + standing;
    }
    if (per_cpu) {
      return pin_note + "Run the per-CPU kernel threads of CPU " + cpu + " as SCHED_RR " +
             std::to_string(std::min(rtp + 1, 99)) + ", above " + Who(*a) + " (" + PolicyOf(*a) + "): chrt -r -p " +
             std::to_string(std::min(rtp + 1, 99)) + " " + std::to_string(f.victim.pid) + " for this one; or lower " +
             a->comm + "'s RT priority, or keep it off CPU " + cpu + "." + standing;
    }
    return "An RT thread, " + Who(*a) + " (" + PolicyOf(*a) + "), ran while " + victim + " (nice " +
           std::to_string(nice_now) + ") waited: give " + victim + " an RT priority above " + std::to_string(rtp) +
           ", widen its CPU affinity so it can run elsewhere, or " + "make " + a->comm + " sleep or yield more often.";
  }
  if (f.cause == "fair-share" && a != nullptr) {
    std::string s = pin_note;
    if (per_cpu) {
      // Against the antagonist's real weight when the snapshot has it (a
      // cgroup's shares), else against its nice level's weight.
      const uint64_t theirs = a->sched.known ? EffectiveWeight(a->sched) : NiceWeight(NiceFromPrio(a->prio));
      char share[32];
      std::snprintf(share, sizeof share, "%.0f %%", 100.0 * 88761.0 / (88761.0 + static_cast<double>(theirs)));
      s += "Give the per-CPU kernel threads of CPU " + cpu + " more weight than " + Who(*a) + " (" + PolicyOf(*a) +
           "): renice them to -20 (weight 88761 against " + std::to_string(theirs) + ", about " + share +
           " of the CPU when both run), or SCHED_RR 1 so they preempt fair tasks.";
    } else {
      s += "Renice " + victim + " (now nice " + std::to_string(nice_now) + ") below " + a->comm + "'s nice " +
           std::to_string(NiceFromPrio(a->prio)) + ", or let the two run on different CPUs.";
    }
    if (a->sched.known && !a->sched.cgroup.empty() && a->sched.cgroup != "/" &&
        (a->sched.cpu_shares || a->sched.cpu_weight)) {
      s += " " + a->comm + "'s cgroup " + a->sched.cgroup + " has " +
           (a->sched.cpu_shares ? "cpu.shares " + std::to_string(*a->sched.cpu_shares)
                                : "cpu.weight " + std::to_string(*a->sched.cpu_weight)) +
           ", and that group weight is what the kernel compares: lower it (cpu.shares 1024 / cpu.weight 100 is the "
           "default), or give " +
           victim + " a weight to match.";
    } else if (!a->sched.known) {
      s += " If " + a->comm +
           " runs in a cgroup with a large cpu.weight / cpu.shares, that group weight is what counts: lower it, or "
           "put " +
           victim + " on equal footing.";
    }
    if (a->prio == f.victim_prio && f.kind == "long-wait") {
      s += " Both are at the same nice level: on EEVDF kernels (6.6+) a woken thread is placed by its lag and can "
           "queue behind one that keeps running for several slices.";
    }
    return s + standing;
  }
  if (f.cause == "irq") {
    return "Hard-IRQ handlers took most of the CPU while " + victim +
           " waited: move IRQ affinity away from that CPU (/proc/irq/N/smp_affinity_list) or boot with threadirqs.";
  }
  if (f.cause == "softirq") {
    return "Soft-IRQ processing took most of the CPU while " + victim +
           " waited: spread network/block completions (RPS/XPS, IRQ affinity) or run ksoftirqd of that CPU higher.";
  }
  if (f.cause == "deadline" && a != nullptr) {
    return "A SCHED_DEADLINE thread, " + Who(*a) + ", held the CPU: check its runtime/period reservation.";
  }
  return "The CPU was idle or untraced while " + victim +
         " was runnable: look for lost events, CPU isolation/hotplug, or CFS bandwidth throttling (cpu.max, "
         "cfs_quota_us) of its cgroup.";
}

namespace {

// With a context snapshot: who the victim is to the scheduler, why the top
// antagonist won, and `throttled` when only a CFS quota explains the wait.
void AddContext(FindingReport& f, const ContextSnapshot& context, const ContextSummary* summary) {
  f.victim_sched = SchedInfoFor(context, f.victim.pid);
  if (f.cause == "unknown" && f.victim_sched.known && !f.victim_sched.cpu_max.empty() &&
      !f.victim_sched.cpu_max.starts_with("max")) {
    f.cause = "throttled";
    f.why = f.victim.comm + "'s cgroup " + f.victim_sched.cgroup + " has a CPU quota (" + f.victim_sched.cpu_max +
            "): while it is used up the group is throttled and its threads wait on an idle or other CPU.";
    return;
  }
  if (const Antagonist* a = TopThread(f.antagonists)) {
    f.why = ExplainPreference(f.victim.comm + " (" + std::to_string(f.victim.pid) + ")", f.victim_sched, *a, summary);
  }
}

}  // namespace

std::vector<FindingReport> BuildFindings(const Report& report, const std::vector<TaskReport>& threads,
                                         const ContextSnapshot* context) {
  const ContextSummary* summary = report.context ? &*report.context : nullptr;
  std::unordered_map<int32_t, std::vector<const EpisodeReport*>> by_victim;
  for (const EpisodeReport& e : report.episodes) by_victim[e.victim.pid].push_back(&e);

  std::vector<FindingReport> out;
  for (const TaskReport& t : threads) {
    auto it = by_victim.find(t.pid);
    if (it != by_victim.end()) {
      const auto& eps = it->second;
      const EpisodeReport& worst = **std::max_element(
          eps.begin(), eps.end(), [](const auto* a, const auto* b) { return a->wait_ns() < b->wait_ns(); });
      FindingReport f;
      f.victim = worst.victim;
      f.victim_prio = worst.victim_prio;
      f.bound_cpu = t.bound_cpu;
      f.kind = "long-wait";
      f.cause = worst.cause;
      f.antagonists = worst.antagonists;
      f.delay_share = t.delay_share;
      f.worst_ns = worst.wait_ns();
      f.evidence = std::to_string(eps.size()) + " wait(s) of at least " + FormatMs(report.options.threshold_ns) +
                   " ms; the longest, " + FormatMs(worst.wait_ns()) + " ms on CPU " + std::to_string(worst.cpu) +
                   " from " + FormatSeconds(worst.start) + " s to " + FormatSeconds(worst.end) + " s" +
                   (worst.truncated ? " (still waiting at the end of the trace)" : "") + ", while " +
                   HeldSummary(worst.antagonists, worst.wait_ns()) + " held that CPU";
      if (worst.irq_ns + worst.softirq_ns > 0) {
        f.evidence += "; IRQs " + FormatMs(worst.irq_ns) + " ms, softirqs " + FormatMs(worst.softirq_ns) + " ms";
      }
      if (worst.kernel_wait_ns >= 0) {
        f.evidence += "; the kernel's sched_stat_wait says " + FormatMs(worst.kernel_wait_ns) + " ms on the runqueue";
      }
      f.evidence += ".";
      if (context != nullptr) AddContext(f, *context, summary);
      f.recommendation = Recommend(f, NiceFromPrio(t.prio));
      out.push_back(std::move(f));
    }
    if (t.delay_share >= report.options.chronic_share && t.waits >= report.options.chronic_min_waits) {
      FindingReport f;
      f.victim = {t.pid, t.comm};
      f.victim_prio = t.prio;
      f.bound_cpu = t.bound_cpu;
      f.kind = "chronic-delay";
      f.antagonists = t.antagonists;
      f.cause = std::string(ClassifyCause(t.sum_delay_ns, t.wait_irq_ns, t.wait_softirq_ns, t.antagonists));
      f.delay_share = t.delay_share;
      f.worst_ns = t.sum_delay_ns;
      char share[32];
      std::snprintf(share, sizeof share, "%.1f %%", t.delay_share * 100);
      f.evidence = "runnable but not running for " + std::string(share) + " of the " + FormatMs(report.duration_ns()) +
                   " ms window (" + FormatMs(t.sum_delay_ns) + " ms in " + std::to_string(t.waits) +
                   " waits, average " + FormatMs(t.waits ? t.sum_delay_ns / static_cast<int64_t>(t.waits) : 0) +
                   " ms, longest " + FormatMs(t.max_delay_ns) + " ms); its CPU was held by " +
                   HeldSummary(t.antagonists, t.sum_delay_ns);
      if (!t.work_function.empty()) {
        f.evidence += "; it ran " + std::to_string(t.work_items) + " work items, mostly " + t.work_function;
      } else if (context != nullptr) {
        // Without work items in the trace (record --workqueue), a kworker's
        // name in /proc still says which workqueue it served.
        if (const std::string wq = SchedInfoFor(*context, t.pid).workqueue; !wq.empty()) {
          f.evidence += "; it served the " + wq + " workqueue (its /proc name when the context was taken)";
        }
      }
      if (t.max_delay_ns < report.options.threshold_ns) {
        f.evidence += "; no single wait reached " + FormatMs(report.options.threshold_ns) +
                      " ms, so a threshold detector sees nothing";
      }
      f.evidence += ".";
      if (context != nullptr) AddContext(f, *context, summary);
      f.recommendation = Recommend(f, NiceFromPrio(t.prio));
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(), [](const FindingReport& a, const FindingReport& b) {
    if (a.worst_ns != b.worst_ns) return a.worst_ns > b.worst_ns;
    return a.victim.pid < b.victim.pid;
  });
  return out;
}

}  // namespace kstarve
