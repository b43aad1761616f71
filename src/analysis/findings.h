// Findings: per victim thread, what went wrong (a long wait, or chronic
// delay in many short waits), the evidence, and a concrete recommendation
// relative to the antagonist's policy.
#pragma once

#include <vector>

#include "analysis/report_model.h"
#include "context/snapshot.h"

namespace kstarve {

// Uses per-thread rows (not --by comm merged ones) and the episodes; with a
// context snapshot (antagonists already annotated), findings also say why.
std::vector<FindingReport> BuildFindings(const Report& report, const std::vector<TaskReport>& threads,
                                         const ContextSnapshot* context = nullptr);

// The advice for one finding, in plain words.
std::string Recommend(const FindingReport& f, int nice_now);

}  // namespace kstarve
