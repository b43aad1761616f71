// The `kstarve.report/1` JSON object of the brief (extended, never renamed).
#pragma once

#include <ostream>

#include "analysis/report_model.h"

namespace kstarve {

void WriteJsonReport(const Report& report, std::ostream& out);

}  // namespace kstarve
