#include "events/sorter.h"

#include <algorithm>

namespace kstarve {

void Sorter::EmitFront() {
  last_emitted_ = held_.front().ts;
  out_.OnEvent(held_.front());
  held_.pop_front();
}

void Sorter::OnEvent(const Event& e) {
  if (e.ts < last_emitted_) {
    ++dropped_late_;
    return;
  }
  if (held_.empty() || held_.back().ts <= e.ts) {
    held_.push_back(e);  // in order: the common case
  } else {
    ++reordered_;
    auto it = held_.end();
    while (it != held_.begin() && std::prev(it)->ts > e.ts) --it;
    held_.insert(it, e);
  }
  newest_ = std::max(newest_, e.ts);
  while (!held_.empty() && (held_.front().ts <= newest_ - window_ns_ || held_.size() > max_held_)) EmitFront();
}

void Sorter::Flush() {
  while (!held_.empty()) EmitFront();
}

}  // namespace kstarve
