// Checks and derived values of DetectorOptions shared by both backends.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "guard/detector/long_wait_scan.h"
#include "guard/starvation.h"

namespace kstarve::guard {

inline constexpr int64_t kMinLongWaitNs = 1'000'000;
inline constexpr int64_t kMaxPollIntervalNs = 5'000'000;

// An error naming the option and the accepted range, or OK.
Status ValidateDetectorOptions(const DetectorOptions& options);

// poll_interval_ns, or long_wait_ns / 4 capped at 5 ms when it is 0.
int64_t PollIntervalNs(const DetectorOptions& options);

// CLOCK_MONOTONIC in ns (the clock of bpf_ktime_get_ns and of trace_clock=mono).
int64_t MonotonicNowNs();

// The long-wait report of open wait `w` of thread `comm`, detected now
// (the holder is the backend's to fill in).
Starvation LongWaitReport(const OpenWait& w, std::string comm);

// When to poll next, given the time of this poll and the earliest time a
// known wait crosses the threshold: never later than one interval, never
// sooner than a quarter interval or 1 ms, whichever is less (a bound on the
// polls a burst of nearly long waits can cause; each wait crosses once).
// With an interval up to long_wait every wait is known before it crosses,
// so it is reported at most that bound after crossing.
int64_t NextPollAt(int64_t now, int64_t interval, int64_t earliest_crossing, int64_t next_window);

}  // namespace kstarve::guard
