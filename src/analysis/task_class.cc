#include "analysis/task_class.h"

#include <array>
#include <charconv>

namespace kstarve {

std::string_view TaskClassName(TaskClass c) {
  switch (c) {
    case TaskClass::kDeadline: return "deadline";
    case TaskClass::kRt: return "rt";
    case TaskClass::kFair: return "fair";
    case TaskClass::kIdle: return "idle";
    case TaskClass::kStop: return "stop";
    case TaskClass::kUnknown: return "unknown";
  }
  return "unknown";
}

TaskClass ClassFromPrio(int32_t pid, int prio, std::string_view comm) {
  if (pid == 0) return TaskClass::kIdle;
  if (pid < 0) return TaskClass::kUnknown;
  if (prio < 0) return TaskClass::kDeadline;
  if (prio < 100) {
    if (prio == 0 && comm.starts_with("migration/")) return TaskClass::kStop;
    return TaskClass::kRt;
  }
  if (prio < 140) return TaskClass::kFair;
  return TaskClass::kUnknown;
}

int RtPriority(int prio) {
  return prio >= 0 && prio < 100 ? 99 - prio : 0;
}
int NiceFromPrio(int prio) {
  return prio >= 100 && prio < 140 ? prio - 120 : 0;
}

namespace {

// Parses the decimal number at the start of s; -1 if none.
int LeadingNumber(std::string_view s, size_t* used) {
  int v = -1;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return -1;
  *used = static_cast<size_t>(p - s.data());
  return v;
}

}  // namespace

int BoundCpuFromComm(std::string_view comm) {
  if (comm.starts_with("kworker/")) {
    std::string_view rest = comm.substr(8);
    size_t used = 0;
    int cpu = LeadingNumber(rest, &used);  // "u8:2" fails here: unbound
    if (cpu < 0 || used >= rest.size() || rest[used] != ':') return -1;
    return cpu;
  }
  static constexpr std::array<std::string_view, 9> kPerCpu = {"ksoftirqd/",   "rcuc/",     "migration/",
                                                              "cpuhp/",       "ktimers/",  "irq_work/",
                                                              "idle_inject/", "watchdog/", "posixcputmr/"};
  for (std::string_view prefix : kPerCpu) {
    if (!comm.starts_with(prefix)) continue;
    std::string_view rest = comm.substr(prefix.size());
    size_t used = 0;
    int cpu = LeadingNumber(rest, &used);
    return cpu >= 0 && used == rest.size() ? cpu : -1;
  }
  return -1;
}

std::string_view KworkerSuffix(std::string_view comm) {
  if (!comm.starts_with("kworker/")) return {};
  size_t dash = comm.find('-');
  return dash == std::string_view::npos ? std::string_view() : comm.substr(dash + 1);
}

}  // namespace kstarve
