// The few fields of /proc/PID/stat the detector checks before it reports a
// wait: whether the thread still exists, is runnable, and its name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kstarve::guard {

struct ProcTaskStat {
  std::string comm;
  char state = '?';  // R, S, D, ...
  int prio = 140;    // kernel prio (field 18 "priority" + 100): 0..99 RT, 100..139 fair, -1 deadline
  int cpu = -1;      // field 39: the CPU it last ran on / is queued on
};

// Parses the text of /proc/PID/stat; nullopt if it is not in that format.
std::optional<ProcTaskStat> ParseProcStat(std::string_view text);

// Reads /proc/PID/stat (any thread id works, not only listed processes);
// nullopt if the thread is gone.
std::optional<ProcTaskStat> ReadProcStat(int32_t pid);

}  // namespace kstarve::guard
