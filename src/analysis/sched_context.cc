#include "analysis/sched_context.h"

#include <array>
#include <cstdio>

#include "analysis/task_class.h"

namespace kstarve {

namespace {

std::string PolicyName(int policy) {
  switch (policy) {
    case 0: return "other";
    case 1: return "fifo";
    case 2: return "rr";
    case 3: return "batch";
    case 5: return "idle";
    case 6: return "deadline";
    default: return "policy-" + std::to_string(policy);
  }
}

bool IsRt(const SchedInfo& s) {
  return s.policy == "fifo" || s.policy == "rr";
}

bool InRootGroup(const SchedInfo& s) {
  return s.cgroup.empty() || s.cgroup == "/";
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", share * 100);
  return buf;
}

}  // namespace

uint64_t NiceWeight(int nice) {
  // kernel/sched/core.c (v6.18), sched_prio_to_weight[], nice -20 .. 19.
  static constexpr std::array<uint64_t, 40> kWeights = {
      88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
      3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,  335,  272,  215,
      172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,   15};
  if (nice < -20) nice = -20;
  if (nice > 19) nice = 19;
  const int index = nice + 20;
  return kWeights[static_cast<size_t>(index)];
}

uint64_t EffectiveWeight(const SchedInfo& s) {
  if (!InRootGroup(s)) {
    if (s.cpu_shares) return *s.cpu_shares;
    if (s.cpu_weight) return *s.cpu_weight * 1024 / 100;
  }
  return NiceWeight(s.nice);
}

SchedInfo SchedInfoFor(const ContextSnapshot& context, int32_t pid) {
  SchedInfo s;
  auto it = context.threads.find(pid);
  if (it == context.threads.end()) return s;
  const ThreadContext& t = it->second;
  s.known = true;
  s.policy = PolicyName(t.policy);
  s.rt_priority = t.rt_priority;
  s.nice = t.nice;
  s.kernel_thread = t.kernel_thread;
  s.cgroup = t.cgroup.path;
  s.cpu_shares = t.cgroup.cpu_shares;
  s.cpu_weight = t.cgroup.cpu_weight;
  s.cpu_max = t.cgroup.cpu_max;
  if (t.kernel_thread && t.comm.starts_with("kworker/")) s.workqueue = std::string(KworkerSuffix(t.comm));
  return s;
}

void AnnotateAntagonists(std::vector<Antagonist>& antagonists, const ContextSnapshot& context) {
  for (Antagonist& a : antagonists) {
    if (a.pid > 0) a.sched = SchedInfoFor(context, a.pid);
  }
}

ContextSummary SummarizeContext(const ContextSnapshot& context, std::string file) {
  ContextSummary c;
  c.file = std::move(file);
  c.kernel_release = context.kernel_release;
  c.base_slice_ns = context.knobs.base_slice_ns;
  c.rt_runtime_us = context.knobs.rt_runtime_us;
  c.rt_period_us = context.knobs.rt_period_us;
  if (!context.knobs.fair_server.empty()) {
    c.fair_server_runtime_ns = context.knobs.fair_server.begin()->second.first;
    c.fair_server_period_ns = context.knobs.fair_server.begin()->second.second;
  }
  for (const std::string& f : context.knobs.features) {
    if (f.starts_with("NO_")) c.features_off.push_back(f);
  }
  c.threads = context.threads.size();
  return c;
}

std::string DescribeSched(const SchedInfo& s) {
  if (!s.known) return "";
  std::string d;
  if (IsRt(s)) {
    d = "SCHED_" + std::string(s.policy == "fifo" ? "FIFO " : "RR ") + std::to_string(s.rt_priority);
  } else if (s.policy == "deadline") {
    d = "SCHED_DEADLINE";
  } else {
    std::string upper = s.policy;
    for (char& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
    d = "SCHED_" + upper + " nice " + std::to_string(s.nice);
  }
  if (!s.cgroup.empty()) {
    d += ", cgroup " + s.cgroup;
    if (s.cpu_shares) d += " cpu.shares " + std::to_string(*s.cpu_shares);
    if (s.cpu_weight) d += " cpu.weight " + std::to_string(*s.cpu_weight);
    if (!s.cpu_max.empty() && !s.cpu_max.starts_with("max")) d += " cpu.max " + s.cpu_max;
  }
  return d;
}

std::string ExplainPreference(const std::string& victim_name, const SchedInfo& victim, const Antagonist& a,
                              const ContextSummary* summary) {
  if (!victim.known || !a.sched.known) return "";
  const SchedInfo& s = a.sched;
  const std::string them = a.comm + " (" + std::to_string(a.pid) + ")";
  if (IsRt(s) && !IsRt(victim) && victim.policy != "deadline") {
    std::string w = them + " runs " + DescribeSched(s) + " and " + victim_name + " " + DescribeSched(victim) +
                    ": the RT class always runs before the fair class on a CPU, so " + victim_name +
                    " runs only when " + a.comm + " blocks";
    if (summary != nullptr && summary->fair_server_runtime_ns && summary->fair_server_period_ns) {
      w += ", or from the fair server's " + std::to_string(*summary->fair_server_runtime_ns / 1000000) + " ms per " +
           std::to_string(*summary->fair_server_period_ns / 1000000) + " ms";
    }
    if (summary != nullptr && summary->rt_runtime_us && summary->rt_period_us && *summary->rt_runtime_us >= 0) {
      w += " (RT throttling: sched_rt_runtime_us " + std::to_string(*summary->rt_runtime_us) + " of " +
           std::to_string(*summary->rt_period_us) + ")";
    }
    return w + ".";
  }
  if (IsRt(s) && IsRt(victim)) {
    if (s.rt_priority > victim.rt_priority) {
      return them + " runs " + DescribeSched(s) + ", above " + victim_name + "'s " + DescribeSched(victim) +
             ": a higher RT priority always preempts.";
    }
    return them + " runs " + DescribeSched(s) + " and " + victim_name + " " + DescribeSched(victim) +
           ": at equal RT priority a SCHED_FIFO thread keeps the CPU until it blocks.";
  }
  if (IsRt(s) || IsRt(victim)) return "";
  // Both fair: weights decide, and across cgroups the group's weight counts.
  const uint64_t wa = EffectiveWeight(s);
  const uint64_t wv = EffectiveWeight(victim);
  const double share = static_cast<double>(wa) / static_cast<double>(wa + wv);
  std::string w;
  if (s.cgroup != victim.cgroup && !InRootGroup(s)) {
    w = them + " runs in cgroup " + s.cgroup + " with " +
        (s.cpu_shares ? "cpu.shares " + std::to_string(*s.cpu_shares)
                      : (s.cpu_weight ? "cpu.weight " + std::to_string(*s.cpu_weight) : std::string("its weight"))) +
        ", while " + victim_name + " (" + DescribeSched(victim) + ") competes with weight " + std::to_string(wv);
    w += ": when both are runnable the fair scheduler gives " + a.comm + "'s group " + Percent(share) +
         " of the CPU (weight " + std::to_string(wa) + " against " + std::to_string(wv) + ")";
  } else {
    w = them + " (" + DescribeSched(s) + ") and " + victim_name + " (" + DescribeSched(victim) +
        ") share the CPU by weight, " + std::to_string(wa) + " against " + std::to_string(wv) + ": " + a.comm +
        " is entitled to " + Percent(share);
    if (wa == wv && summary != nullptr && summary->base_slice_ns) {
      w += "; at equal weight EEVDF still lets a woken thread wait up to about a slice (base_slice_ns " +
           std::to_string(*summary->base_slice_ns) + ") or more when its lag places it behind";
    }
  }
  return w + ".";
}

}  // namespace kstarve
