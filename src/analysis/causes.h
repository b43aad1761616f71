// Why a thread waited: the cause vocabulary of the report contract.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "analysis/report_model.h"

namespace kstarve {

// From where the waiting thread's CPU time went (docs/semantics.md):
// "irq"/"softirq" when those took at least half of the wait, otherwise the
// class that held the CPU longest: rt-preemption, deadline, fair-share, or
// unknown (idle CPU, or nothing known).
std::string_view ClassifyCause(int64_t wait_ns, int64_t irq_ns, int64_t softirq_ns,
                               const std::vector<Antagonist>& antagonists);

}  // namespace kstarve
