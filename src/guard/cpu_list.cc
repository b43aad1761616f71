#include "guard/cpu_list.h"

#include <algorithm>
#include <charconv>

namespace kstarve::guard {
namespace {

const char kExpected[] = "expected a CPU list like \"0-3,5\" (CPUs 0 to 8191)";

// One decimal CPU number at the start of `text`; advances it.
bool TakeCpu(std::string_view& text, int& cpu) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, cpu);
  if (ec != std::errc() || ptr == text.data() || cpu < 0 || cpu > kMaxCpu) return false;
  text.remove_prefix(static_cast<size_t>(ptr - text.data()));
  return true;
}

}  // namespace

Result<std::vector<int>> ParseCpuList(std::string_view text) {
  std::vector<long long> cpus;
  if (text.empty()) return Status::Error(std::string(kExpected) + ", got an empty string");
  while (!text.empty()) {
    int first = 0;
    if (!TakeCpu(text, first)) return Status::Error(kExpected);
    int last = first;
    if (!text.empty() && text.front() == '-') {
      text.remove_prefix(1);
      if (!TakeCpu(text, last) || last < first) return Status::Error(kExpected);
    }
    for (int c = first; c <= last; ++c) cpus.push_back(c);
    if (text.empty()) break;
    if (text.front() != ',' || text.size() == 1) return Status::Error(kExpected);
    text.remove_prefix(1);
  }
  return NormalizeCpuList(cpus);
}

Result<std::vector<int>> NormalizeCpuList(const std::vector<long long>& cpus) {
  std::vector<int> out;
  out.reserve(cpus.size());
  for (long long c : cpus) {
    if (c < 0 || c > kMaxCpu) {
      return Status::Error("CPU " + std::to_string(c) + " is out of range (CPUs are 0 to " + std::to_string(kMaxCpu) +
                           ")");
    }
    out.push_back(static_cast<int>(c));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string FormatCpuList(const std::vector<int>& cpus) {
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace kstarve::guard
