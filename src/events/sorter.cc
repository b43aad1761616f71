#include "events/sorter.h"

#include <algorithm>

namespace kstarve {

void Sorter::Emit(const Event& e) {
  last_emitted_ = e.ts;
  out_.OnEvent(e);
}

void Sorter::OnEvent(const Event& e) {
  if (e.ts < last_emitted_) {
    ++dropped_late_;
    return;
  }
  if (heap_.empty() && e.ts >= max_seen_) {  // in order: the fast path
    max_seen_ = e.ts;
    Emit(e);
    return;
  }
  if (e.ts < max_seen_) ++reordered_;
  max_seen_ = std::max(max_seen_, e.ts);
  heap_.emplace_back(e, seq_++);
  std::push_heap(heap_.begin(), heap_.end(), Later());
  while (!heap_.empty() && heap_.front().first.ts <= max_seen_ - window_ns_) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    Emit(heap_.back().first);
    heap_.pop_back();
  }
}

void Sorter::Flush() {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    Emit(heap_.back().first);
    heap_.pop_back();
  }
}

}  // namespace kstarve
