// The `kstarve.report/1` JSON object of the brief (extended, never renamed).
#pragma once

#include <ostream>

#include "analysis/report_model.h"
#include "report/verdict.h"

namespace kstarve {

// With a verdict (`kstarve doctor`), the object also has a "verdict" member.
void WriteJsonReport(const Report& report, std::ostream& out, const Verdict* verdict = nullptr);

}  // namespace kstarve
