// Sorter: turns events in input order into time order with bounded memory.
//
// Text traces are nearly sorted already (ftrace merges its per-CPU buffers),
// so the common case bypasses the heap entirely. Events that arrive out of
// order are held in a min-heap until the newest timestamp is more than
// `window_ns` ahead of them. An event older than what was already emitted
// cannot be placed any more: it is dropped and counted, never fatal.
#pragma once

#include <cstdint>
#include <vector>

#include "events/event.h"

namespace kstarve {

class Sorter : public EventSink {
 public:
  Sorter(EventSink& out, int64_t window_ns = 50'000'000) : out_(out), window_ns_(window_ns) {}

  void OnEvent(const Event& e) override;
  // Emits everything still held. Call once at the end of the input.
  void Flush();

  uint64_t reordered() const { return reordered_; }        // held back, then placed
  uint64_t dropped_late() const { return dropped_late_; }  // too old to place

 private:
  struct Later {
    bool operator()(const std::pair<Event, uint64_t>& a, const std::pair<Event, uint64_t>& b) const {
      return a.first.ts != b.first.ts ? a.first.ts > b.first.ts : a.second > b.second;
    }
  };
  void Emit(const Event& e);

  EventSink& out_;
  int64_t window_ns_;
  int64_t max_seen_ = INT64_MIN;
  int64_t last_emitted_ = INT64_MIN;
  uint64_t seq_ = 0;  // keeps input order among equal timestamps
  std::vector<std::pair<Event, uint64_t>> heap_;
  uint64_t reordered_ = 0;
  uint64_t dropped_late_ = 0;
};

}  // namespace kstarve
