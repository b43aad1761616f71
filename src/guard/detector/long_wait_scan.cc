#include "guard/detector/long_wait_scan.h"

#include <algorithm>

namespace kstarve::guard {

void LongWaitScan::Scan(std::span<const OpenWait> open, int64_t now, std::vector<OpenWait>& due) {
  earliest_crossing_ = INT64_MAX;
  still_open_.clear();
  for (const OpenWait& w : open) {
    auto it = reported_.find(w.pid);
    if (it != reported_.end() && it->second == w.start_ns) {
      still_open_.emplace(w.pid, w.start_ns);
      continue;
    }
    const int64_t crossing = w.start_ns + long_wait_ns_;
    if (crossing <= now) {
      due.push_back(w);
      still_open_.emplace(w.pid, w.start_ns);
    } else {
      earliest_crossing_ = std::min(earliest_crossing_, crossing);
    }
  }
  reported_.swap(still_open_);
}

}  // namespace kstarve::guard
