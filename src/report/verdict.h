// The short verdict `kstarve doctor` prints before the report: who starved,
// behind whom, why, and what to do, in a few lines. Kernel threads first:
// they are what kstarve is for.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "analysis/report_model.h"

namespace kstarve {

struct VerdictItem {
  ThreadRef victim;
  bool kernel_thread = false;
  std::string kind;  // long-wait | chronic-delay
  std::string cause;
  std::string what;    // "waited 78.4 % of the 5.000 s window in 17924 waits"
  std::string behind;  // "fio (4242) [SCHED_OTHER nice 0, cgroup /fio cpu.shares 262144]"
  std::string why;
  std::string fix;
};

struct Verdict {
  std::string summary;  // one sentence
  std::vector<VerdictItem> items;
};

Verdict BuildVerdict(const Report& report, size_t max_items = 3);

void WriteVerdictText(const Verdict& verdict, bool color, std::ostream& out);

}  // namespace kstarve
