// CPU lists as Linux writes them ("0-3,5", as in /sys/devices/system/cpu/online
// and taskset -c), for rules and for describing affinities.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kstarve::guard {

// CPU numbers go up to the kernel's largest NR_CPUS.
inline constexpr int kMaxCpu = 8191;

// "0-3,5" -> {0,1,2,3,5}, sorted and without duplicates. The error says what
// was expected, without a location (callers add file and line).
Result<std::vector<int>> ParseCpuList(std::string_view text);
// Sorts, removes duplicates and checks the range of a list given as numbers.
Result<std::vector<int>> NormalizeCpuList(const std::vector<long long>& cpus);
// {0,1,2,3,5} -> "0-3,5". The input must be sorted.
std::string FormatCpuList(const std::vector<int>& cpus);

}  // namespace kstarve::guard
