// CommCache: interns the few hundred distinct comms of a trace cheaply.
//
// Every record names one to three threads, so interning is on the hot path.
// A small direct-mapped table in front of the StringInterner answers repeats
// with one short hash and one memcmp, without touching the interner's map.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/interner.h"

namespace kstarve {

class CommCache {
 public:
  explicit CommCache(StringInterner& strings) : strings_(strings) {
    for (Slot& s : slots_) s.len = kEmpty;
  }

  StrId Intern(std::string_view s) {
    if (s.empty()) return kNoStr;
    if (s.size() > kMaxCachedLen) return strings_.Intern(s);
    Slot& slot = slots_[Hash(s) & (kSlots - 1)];
    if (slot.len == s.size() && std::memcmp(slot.text, s.data(), s.size()) == 0) return slot.id;
    StrId id = strings_.Intern(s);
    std::memcpy(slot.text, s.data(), s.size());
    slot.len = static_cast<uint8_t>(s.size());
    slot.id = id;
    return id;
  }

  StringInterner& strings() { return strings_; }

 private:
  static constexpr size_t kSlots = 1024;       // power of two
  static constexpr size_t kMaxCachedLen = 27;  // comms are at most 15 bytes; names a bit longer
  static constexpr uint8_t kEmpty = 0xff;

  struct Slot {
    char text[kMaxCachedLen];
    uint8_t len;
    StrId id;
  };

  // Mixes the first and last 8 bytes (or every byte of shorter names):
  // enough to spread the comms of one trace over the slots.
  static uint32_t Hash(std::string_view s) {
    uint64_t a = 0;
    uint64_t b = 0;
    if (s.size() >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + s.size() - 8, 8);
    } else {
      for (char c : s) a = (a << 8) | static_cast<uint8_t>(c);
    }
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ s.size()) * 0xff51afd7ed558ccdull;
    return static_cast<uint32_t>(h >> 32);
  }

  StringInterner& strings_;
  std::array<Slot, kSlots> slots_;
};

}  // namespace kstarve
