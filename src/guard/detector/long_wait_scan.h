// LongWaitScan: from the set of open waits, the ones that just became long.
// Both backends keep "who waits since when" (in a BPF map or in userspace)
// and hand each poll's snapshot here, so deduplication and the threshold
// are the same for both.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace kstarve::guard {

struct OpenWait {
  int32_t pid = -1;
  int32_t cpu = -1;
  int64_t start_ns = 0;  // CLOCK_MONOTONIC
};

class LongWaitScan {
 public:
  explicit LongWaitScan(int64_t long_wait_ns) : long_wait_ns_(long_wait_ns) {}

  // Appends to `due` the waits of `open` that are at least long_wait_ns old
  // at `now` and were not due in an earlier scan: each wait once, a thread
  // again only after a new wait started. Forgets waits no longer open.
  void Scan(std::span<const OpenWait> open, int64_t now, std::vector<OpenWait>& due);

  // From the last Scan: the earliest time an open wait that is not yet due
  // crosses the threshold; INT64_MAX if none.
  int64_t earliest_crossing() const { return earliest_crossing_; }

  // Lets a due wait be reported again by a later scan (its report was
  // withheld, e.g. the thread was seen running meanwhile).
  void Forget(int32_t pid) { reported_.erase(pid); }

 private:
  int64_t long_wait_ns_;
  int64_t earliest_crossing_ = INT64_MAX;
  std::unordered_map<int32_t, int64_t> reported_;  // pid -> start of its reported wait
  std::unordered_map<int32_t, int64_t> still_open_;
};

// Chronic delay: a thread that waited at least `share` of the window, in at
// least `min_waits` waits. Returns the share it waited (0 if window <= 0).
inline double WaitShare(int64_t sum_wait_ns, int64_t window_ns) {
  return window_ns > 0 ? static_cast<double>(sum_wait_ns) / static_cast<double>(window_ns) : 0;
}
inline bool IsChronic(int64_t sum_wait_ns, uint64_t waits, int64_t window_ns, double share, uint64_t min_waits) {
  return waits >= min_waits && window_ns > 0 && WaitShare(sum_wait_ns, window_ns) >= share;
}

}  // namespace kstarve::guard
