// Joining a report with the context snapshot of its recording: the policy,
// priority, nice and cgroup weight of victims and antagonists, and the
// sentence that says why the scheduler preferred one over the other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report_model.h"
#include "context/snapshot.h"

namespace kstarve {

// What the snapshot says about `pid`; `known` is false if it is not in it.
SchedInfo SchedInfoFor(const ContextSnapshot& context, int32_t pid);

// Fills `sched` of every antagonist that is a thread.
void AnnotateAntagonists(std::vector<Antagonist>& antagonists, const ContextSnapshot& context);

ContextSummary SummarizeContext(const ContextSnapshot& context, std::string file);

// The load weight CFS/EEVDF gives a nice level (sched_prio_to_weight in
// kernel/sched/core.c, unchanged from 2.6.23 to 6.18).
uint64_t NiceWeight(int nice);

// The weight a thread's group entity competes with at the root: cpu.shares
// (v1), cpu.weight scaled to shares (v2: weight * 1024 / 100), or its own
// nice weight when it sits in the root cgroup.
uint64_t EffectiveWeight(const SchedInfo& s);

// Why the scheduler ran `antagonist` while `victim` waited, in plain words,
// from their policies, priorities, nice levels and cgroup weights; empty
// when either is not in the snapshot.
std::string ExplainPreference(const std::string& victim_name, const SchedInfo& victim, const Antagonist& antagonist,
                              const ContextSummary* summary);

// "SCHED_FIFO 10", "SCHED_OTHER nice 0, cgroup /fio cpu.shares 262144".
std::string DescribeSched(const SchedInfo& s);

}  // namespace kstarve
