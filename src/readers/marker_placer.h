// Hands events to the sink and gives markers (lost events, a CPU buffer
// starting late) a time, the same way for every reader: a lost-events marker
// takes the time of the event before it; markers with no event before them
// (a buffer start, or anything at the very beginning) take the time of the
// event after them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "events/event.h"
#include "readers/trace_reader.h"

namespace kstarve {

class MarkerPlacer {
 public:
  MarkerPlacer(EventSink& sink, ReadStats& stats) : sink_(sink), stats_(stats) {}

  void OnEvent(const Event& e) {
    if (!pending_.empty()) FlushPending(e.ts);
    Emit(e);
    last_ts_ = e.ts;
    have_ts_ = true;
  }

  void OnMarker(const Event& marker) {
    if (marker.kind == EventKind::kLost && have_ts_ && pending_.empty()) {
      Event e = marker;
      e.ts = last_ts_;
      Emit(e);
    } else {
      pending_.push_back(marker);
    }
  }

  // Markers after the last event take its time. Returns how many could not
  // be placed (there was no event at all); they are dropped.
  size_t Finish() {
    if (have_ts_) FlushPending(last_ts_);
    const size_t unplaced = pending_.size();
    pending_.clear();
    return unplaced;
  }

  bool have_ts() const { return have_ts_; }

 private:
  void Emit(const Event& e) {
    sink_.OnEvent(e);
    ++stats_.events;
  }
  void FlushPending(int64_t ts) {
    for (Event& e : pending_) {
      e.ts = ts;
      Emit(e);
    }
    pending_.clear();
  }

  EventSink& sink_;
  ReadStats& stats_;
  std::vector<Event> pending_;
  int64_t last_ts_ = 0;
  bool have_ts_ = false;
};

}  // namespace kstarve
