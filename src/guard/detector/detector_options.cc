#include "guard/detector/detector_options.h"

#include <algorithm>
#include <ctime>
#include <string>
#include <utility>

namespace kstarve::guard {

Status ValidateDetectorOptions(const DetectorOptions& o) {
  if (o.long_wait_ns < kMinLongWaitNs) {
    return Status::Error("detector: long wait threshold " + std::to_string(o.long_wait_ns) +
                         " ns is below the 1 ms minimum");
  }
  if (o.chronic_window_ns < 10'000'000) {
    return Status::Error("detector: chronic window " + std::to_string(o.chronic_window_ns) +
                         " ns is below the 10 ms minimum");
  }
  if (!(o.chronic_share > 0 && o.chronic_share <= 1)) {
    return Status::Error("detector: chronic share " + std::to_string(o.chronic_share) + " is outside (0, 1]");
  }
  if (o.poll_interval_ns < 0) {
    return Status::Error("detector: negative poll interval " + std::to_string(o.poll_interval_ns));
  }
  return Status::Ok();
}

int64_t PollIntervalNs(const DetectorOptions& o) {
  if (o.poll_interval_ns > 0) return o.poll_interval_ns;
  return std::clamp<int64_t>(o.long_wait_ns / 4, 100'000, kMaxPollIntervalNs);
}

int64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Starvation LongWaitReport(const OpenWait& w, std::string comm) {
  Starvation s;
  s.kind = StarvationKind::kLongWait;
  s.pid = w.pid;
  s.comm = std::move(comm);
  s.cpu = w.cpu;
  s.wait_start_ns = w.start_ns;
  s.detected_ns = MonotonicNowNs();
  s.waited_ns = s.detected_ns - w.start_ns;
  return s;
}

int64_t NextPollAt(int64_t now, int64_t interval, int64_t earliest_crossing, int64_t next_window) {
  int64_t next = std::min({now + interval, earliest_crossing, next_window});
  return std::max(next, now + std::min<int64_t>(interval / 4, 1'000'000));
}

}  // namespace kstarve::guard
