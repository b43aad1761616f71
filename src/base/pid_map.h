// PidMap: thread id -> value, for the per-event hot path of the analysis.
//
// Thread ids are small dense integers (pid_max is at most 4M), so a vector
// of slot numbers indexed by id beats hashing; values live in a deque so
// references stay valid while the map grows. Memory: 4 bytes per id up to
// the largest id seen, plus one value per thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

namespace kstarve {

template <typename T>
class PidMap {
 public:
  static constexpr int32_t kMaxId = 1 << 22;  // the kernel's PID_MAX_LIMIT

  // The value for `id`, default-constructed on first use. Ids outside
  // [0, kMaxId) share one scratch slot (garbage input must not allocate).
  T& operator[](int32_t id) {
    if (id < 0 || id >= kMaxId) return scratch_;
    auto i = static_cast<size_t>(id);
    if (i >= slot_.size()) slot_.resize(std::max(i + 1, slot_.size() * 2), kNone);
    if (slot_[i] == kNone) {
      slot_[i] = static_cast<uint32_t>(values_.size());
      values_.emplace_back();
      ids_.push_back(id);
    }
    return values_[slot_[i]];
  }

  T* Find(int32_t id) {
    if (id < 0 || static_cast<size_t>(id) >= slot_.size() || slot_[static_cast<size_t>(id)] == kNone) return nullptr;
    return &values_[slot_[static_cast<size_t>(id)]];
  }
  const T* Find(int32_t id) const { return const_cast<PidMap*>(this)->Find(id); }

  // Visits (id, value) in first-use order.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < values_.size(); ++i) f(ids_[i], values_[i]);
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  std::vector<uint32_t> slot_;
  std::deque<T> values_;
  std::vector<int32_t> ids_;
  T scratch_{};
};

}  // namespace kstarve
