// Loading integers of the file's byte order from unaligned bytes.
#pragma once

#include <cstdint>
#include <cstring>

namespace kstarve::tracedat {

template <typename T>
inline T LoadRaw(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint16_t Swap(uint16_t v) {
  return __builtin_bswap16(v);
}
inline uint32_t Swap(uint32_t v) {
  return __builtin_bswap32(v);
}
inline uint64_t Swap(uint64_t v) {
  return __builtin_bswap64(v);
}

// `swap` is true when the file's byte order is not the host's.
template <typename T>
inline T Load(const char* p, bool swap) {
  T v = LoadRaw<T>(p);
  return swap ? Swap(v) : v;
}

inline bool HostIsBigEndian() {
  const uint16_t one = 1;
  char first;
  std::memcpy(&first, &one, 1);
  return first == 0;
}

}  // namespace kstarve::tracedat
