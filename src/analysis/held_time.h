// HeldTime: how long one thread held a CPU while another waited for it, and
// the small accumulator both the per-wait and the per-thread totals use.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kstarve {

struct HeldTime {
  int32_t pid;
  int64_t ns;
};

// Longest first; equal times by pid, so output is deterministic.
inline void SortLongestFirst(std::vector<HeldTime>& held) {
  std::sort(held.begin(), held.end(),
            [](const HeldTime& a, const HeldTime& b) { return a.ns != b.ns ? a.ns > b.ns : a.pid < b.pid; });
}

// Adds `ns` to `pid`'s entry. Lists are short (a CPU's holders during a
// wait), so a linear scan beats a map. Past `max_entries` the shorter half is
// forgotten: memory stays bounded and the threads that matter, those that
// held the CPU longest, survive.
inline void AddHeldTime(std::vector<HeldTime>& held, int32_t pid, int64_t ns, size_t max_entries = 64) {
  if (ns <= 0) return;
  for (HeldTime& h : held) {
    if (h.pid == pid) {
      h.ns += ns;
      return;
    }
  }
  if (held.size() >= max_entries) {
    SortLongestFirst(held);
    held.resize(max_entries / 2);
  }
  held.push_back({pid, ns});
}

}  // namespace kstarve
