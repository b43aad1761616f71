#include "readers/tracedat/kallsyms.h"

#include <algorithm>
#include <charconv>

namespace kstarve::tracedat {
namespace {

std::string_view NextToken(std::string_view line, size_t& pos) {
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  size_t start = pos;
  while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
  return line.substr(start, pos - start);
}

}  // namespace

void Kallsyms::Parse(std::string_view text) {
  symbols_.clear();
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    size_t pos = 0;
    std::string_view addr = NextToken(line, pos);
    std::string_view type = NextToken(line, pos);
    std::string_view name = NextToken(line, pos);
    if (addr.empty() || type.size() != 1 || name.empty()) continue;
    uint64_t a = 0;
    auto [p, ec] = std::from_chars(addr.data(), addr.data() + addr.size(), a, 16);
    if (ec != std::errc() || p != addr.data() + addr.size()) continue;
    symbols_.emplace_back(a, name);
  }
  std::stable_sort(symbols_.begin(), symbols_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
}

bool Kallsyms::Lookup(uint64_t address, std::string_view& name) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const auto& s) { return a < s.first; });
  if (it == symbols_.begin()) return false;
  --it;
  // Several names at one address: the first listed wins.
  while (it != symbols_.begin() && (it - 1)->first == it->first) --it;
  name = it->second;
  return true;
}

}  // namespace kstarve::tracedat
