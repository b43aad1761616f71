// Exact decimal formatting of integer nanoseconds, shared by every output so
// that text, JSON and the tests agree to the nanosecond.
#pragma once

#include <cstdint>
#include <string>

namespace kstarve {

// 39720000 -> "39.720" (milliseconds, `decimals` places, rounded half away from zero).
std::string FormatMs(int64_t ns, int decimals = 3);
// 576161478000 -> "576.161478" (seconds, 6 places).
std::string FormatSeconds(int64_t ns, int decimals = 6);
// part/whole as "77.0 %".
std::string FormatPercent(int64_t part, int64_t whole);

}  // namespace kstarve
