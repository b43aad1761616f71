// StringInterner: maps strings (comms, function names) to small ids so events
// stay fixed-size and comparisons are integer compares.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kstarve {

using StrId = uint32_t;
inline constexpr StrId kNoStr = 0;  // the empty string

class StringInterner {
 public:
  StringInterner() { Intern(""); }

  StrId Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const std::string& stored = strings_.emplace_back(s);
    auto id = static_cast<StrId>(strings_.size() - 1);
    ids_.emplace(std::string_view(stored), id);
    return id;
  }

  std::string_view Get(StrId id) const {
    return id < strings_.size() ? std::string_view(strings_[id]) : std::string_view();
  }
  size_t size() const { return strings_.size(); }

 private:
  std::deque<std::string> strings_;  // deque: stable addresses for the views
  std::unordered_map<std::string_view, StrId> ids_;
};

}  // namespace kstarve
