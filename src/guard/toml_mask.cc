#include "guard/toml_mask.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace kstarve::guard {
namespace {

constexpr char32_t kFirstPrivate = 0xE000;  // toml++ rejects these early: no undefined behaviour

// Mirrors toml++ 3.3's is_non_ascii_horizontal_whitespace(): the code points
// that fall through to its `default: TOML_UNREACHABLE`.
bool Mishandled(char32_t c) {
  if (c < 0xA0 || c > 0xFEFF) return false;
  const uint64_t child = (static_cast<uint64_t>(c) - 0xA0) / 0x3FA;
  if ((1ULL << child) & 0x7FFFFFFFFFFFF75EULL) return false;
  if (c == 0xA0 || c == 0x3000 || c == 0xFEFF) return false;
  return child != 5 && child != 7;
}

// Sorted; built once, never changed.
const std::vector<char32_t>& MishandledTable() {
  static const std::vector<char32_t> table = [] {
    std::vector<char32_t> t;
    for (char32_t c = 0xA0; c <= 0xFEFF; ++c) {
      if (Mishandled(c)) t.push_back(c);
    }
    return t;
  }();
  return table;
}

// Decodes a 2- or 3-byte UTF-8 sequence at `i`; 0 if there is none (ASCII,
// 4-byte or invalid sequences are left to toml++ and never mishandled).
char32_t Decode(std::string_view s, size_t i, size_t* length) {
  auto cont = [&](size_t k) { return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80; };
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(i + 1)) {
    *length = 2;
    return static_cast<char32_t>(((b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F));
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(i + 1) && cont(i + 2)) {
    char32_t c = static_cast<char32_t>(((b0 & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                                       (static_cast<unsigned char>(s[i + 2]) & 0x3F));
    if (c < 0x800) return 0;  // overlong: invalid, toml++ reports it
    *length = 3;
    return c;
  }
  return 0;
}

void Encode(char32_t c, std::string& out) {
  if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::optional<std::string> MaskForToml(std::string_view text) {
  const std::vector<char32_t>& table = MishandledTable();
  const char32_t last_private = kFirstPrivate + static_cast<char32_t>(table.size());
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    char32_t c = Decode(text, i, &length);
    if (c >= kFirstPrivate && c < last_private) return std::nullopt;
    auto it = std::lower_bound(table.begin(), table.end(), c);
    if (c != 0 && it != table.end() && *it == c) {
      Encode(kFirstPrivate + static_cast<char32_t>(it - table.begin()), out);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string UnmaskFromToml(std::string_view text) {
  const std::vector<char32_t>& table = MishandledTable();
  const char32_t last_private = kFirstPrivate + static_cast<char32_t>(table.size());
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    char32_t c = Decode(text, i, &length);
    if (c >= kFirstPrivate && c < last_private) {
      Encode(table[c - kFirstPrivate], out);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

}  // namespace kstarve::guard
