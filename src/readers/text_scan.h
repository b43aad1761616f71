// Small allocation-free helpers for scanning trace text.
//
// Every function takes and returns string_views or plain values so that the
// line parsers can walk a line once without copying it.
#pragma once

#include <charconv>
#include <cstdint>
#include <string_view>

namespace kstarve::text {

// Longest comm accepted in a record header. The kernel's are at most 15
// bytes and perf appends little; anything longer is prose, not a header.
inline constexpr size_t kMaxHeaderCommBytes = 64;

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}
// Characters of tracepoint names and payload keys.
inline bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
}

inline std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}
inline std::string_view TrimRight(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) --n;
  return s.substr(0, n);
}
inline std::string_view Trim(std::string_view s) {
  return TrimRight(TrimLeft(s));
}

inline bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Parses a whole decimal integer (optional leading '-'); false on junk or overflow.
template <typename Int>
bool ParseInt(std::string_view s, Int& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = first + s.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

// Parses the decimal number at the start of a payload value and accepts what
// the kernel prints after it ("13884 [ns]", "9 [action=RCU]"): the number
// must end at the end of the value or at a space.
template <typename Int>
bool ParseLeadingInt(std::string_view s, Int& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = first + s.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr != first && (ptr == last || IsSpace(*ptr));
}

// Parses a hexadecimal address with or without "0x" (%p prints none).
inline bool ParseHex(std::string_view s, uint64_t& out) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Parses "SECONDS[.FRACTION]" exactly into nanoseconds: 6 decimals are µs,
// 9 are ns; digits past the ninth are below a nanosecond and are dropped.
// Integer-only timestamps (counter clocks) are taken as they are.
inline bool ParseTimestampNs(std::string_view s, int64_t& out_ns) {
  size_t dot = s.find('.');
  std::string_view secs = s.substr(0, dot);
  if (secs.empty() || secs.size() > 18 || !AllDigits(secs)) return false;
  int64_t whole = 0;
  if (!ParseInt(secs, whole)) return false;
  if (dot == std::string_view::npos) {
    out_ns = whole;
    return true;
  }
  std::string_view frac = s.substr(dot + 1);
  if (frac.empty() || !AllDigits(frac)) return false;
  constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  if (whole > kMaxSeconds) return false;
  int64_t ns = 0;
  int digits = 0;
  for (char c : frac) {
    if (digits == 9) break;
    ns = ns * 10 + (c - '0');
    ++digits;
  }
  for (; digits < 9; ++digits) ns *= 10;
  out_ns = whole * 1'000'000'000 + ns;
  return true;
}

// Parses a record header's time column, "SECONDS[.FRACTION]:", starting at
// `pos` in one pass (this runs once per line). On success `pos` is just past
// the ':'.
inline bool ParseTimestampColumn(std::string_view s, size_t& pos, int64_t& out_ns) {
  size_t i = pos;
  const size_t n = s.size();
  int64_t whole = 0;
  size_t first = i;
  while (i < n && IsDigit(s[i])) {
    if (i - first == 18) return false;
    whole = whole * 10 + (s[i] - '0');
    ++i;
  }
  if (i == first) return false;
  int64_t ns = 0;
  if (i < n && s[i] == '.') {
    ++i;
    size_t frac_first = i;
    int digits = 0;
    while (i < n && IsDigit(s[i])) {
      if (digits < 9) {
        ns = ns * 10 + (s[i] - '0');
        ++digits;
      }
      ++i;
    }
    if (i == frac_first) return false;
    for (; digits < 9; ++digits) ns *= 10;
    constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
    if (whole > kMaxSeconds) return false;
    whole = whole * 1'000'000'000 + ns;
  }
  if (i == n || s[i] != ':') return false;
  pos = i + 1;
  out_ns = whole;
  return true;
}

// Whether `s` is a timestamp token as a record header prints it ("576.161478").
inline bool LooksLikeTimestamp(std::string_view s) {
  if (s.empty() || !IsDigit(s[0])) return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (!IsDigit(c)) {
      return false;
    }
  }
  return s.back() != '.';
}

}  // namespace kstarve::text
