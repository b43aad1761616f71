#include "base/format.h"

#include <cstdio>
#include <cstdlib>

namespace kstarve {

namespace {

// Prints value/unit with `decimals` places, rounding half away from zero.
std::string FixedPoint(int64_t ns, int64_t unit, int decimals) {
  int64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const int64_t step = unit / scale;  // ns per last digit
  bool negative = ns < 0;
  uint64_t mag = static_cast<uint64_t>(negative ? -ns : ns);
  uint64_t steps = (mag + static_cast<uint64_t>(step) / 2) / static_cast<uint64_t>(step);
  uint64_t whole = steps / static_cast<uint64_t>(scale);
  uint64_t frac = steps % static_cast<uint64_t>(scale);
  char buf[48];
  if (decimals == 0) {
    std::snprintf(buf, sizeof buf, "%s%llu", negative ? "-" : "", static_cast<unsigned long long>(whole));
  } else {
    std::snprintf(buf, sizeof buf, "%s%llu.%0*llu", negative ? "-" : "", static_cast<unsigned long long>(whole),
                  decimals, static_cast<unsigned long long>(frac));
  }
  return buf;
}

}  // namespace

std::string FormatMs(int64_t ns, int decimals) {
  return FixedPoint(ns, 1'000'000, decimals);
}
std::string FormatSeconds(int64_t ns, int decimals) {
  return FixedPoint(ns, 1'000'000'000, decimals);
}

std::string FormatPercent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%",
                whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

}  // namespace kstarve
