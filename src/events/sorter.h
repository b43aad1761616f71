// Sorter: turns events in input order into time order with bounded memory.
//
// Text traces are nearly sorted already (ftrace, trace-cmd and perf merge
// their per-CPU buffers), so events are held in a FIFO and an out-of-order
// one is inserted by scanning back from the newest: O(how far it is out of
// place). An event leaves once the newest timestamp is `window_ns` ahead of
// it, or when more than `max_held` are held (bounded memory whatever the
// input). An event older than what already left cannot be placed any more:
// it is dropped and counted, never fatal.
#pragma once

#include <cstdint>
#include <deque>

#include "events/event.h"

namespace kstarve {

class Sorter : public EventSink {
 public:
  explicit Sorter(EventSink& out, int64_t window_ns = 10'000'000, size_t max_held = 1 << 16)
      : out_(out), window_ns_(window_ns), max_held_(max_held) {}

  void OnEvent(const Event& e) override;
  // Emits everything still held. Call once at the end of the input.
  void Flush();

  uint64_t reordered() const { return reordered_; }        // arrived out of order, placed
  uint64_t dropped_late() const { return dropped_late_; }  // too old to place

 private:
  void EmitFront();

  EventSink& out_;
  int64_t window_ns_;
  size_t max_held_;
  int64_t newest_ = INT64_MIN;
  int64_t last_emitted_ = INT64_MIN;
  std::deque<Event> held_;  // sorted by time; equal times keep input order
  uint64_t reordered_ = 0;
  uint64_t dropped_late_ = 0;
};

}  // namespace kstarve
