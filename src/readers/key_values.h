// KeyValues: a tracepoint payload split into key=value fields, looked up by key.
//
// Payloads are read by key, not by position, so vendor kernels that add or
// reorder fields still parse. A value runs until the next token that starts
// a new key ("word="), which keeps comms with spaces whole
// ("prev_comm=CPU 3/KVM prev_pid=2950"); tokens that start no key, such as
// "[ns]" or "[action=RCU]", stay part of the value before them, and "==>"
// ends a value without joining it.
#pragma once

#include <string_view>

#include "readers/text_scan.h"

namespace kstarve {

class KeyValues {
 public:
  static constexpr int kMaxFields = 24;  // further fields are ignored

  explicit KeyValues(std::string_view payload) { Split(payload); }

  // Sets `value` and returns true if the payload has `key`.
  bool Get(std::string_view key, std::string_view& value) const {
    for (int i = 0; i < count_; ++i) {
      // Keys differ in length or first byte far more often than not.
      const Field& f = fields_[i];
      if (f.key_len == key.size() && SameBytes(f.key, key.data(), key.size())) {
        value = std::string_view(f.value, f.value_len);
        return true;
      }
    }
    return false;
  }
  int size() const { return count_; }

 private:
  // Keys are a few bytes long: an inline loop beats a call to memcmp.
  static bool SameBytes(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

  // One pass: each token is either "key=value...", "==>", or more of the
  // current value. Payloads separate tokens with single spaces.
  void Split(std::string_view s) {
    const char* data = s.data();
    const size_t n = s.size();
    size_t i = 0;
    int current = -1;  // field whose value later tokens extend
    size_t value_begin = 0;
    while (i < n) {
      if (data[i] == ' ') {
        ++i;
        continue;
      }
      const size_t token_begin = i;
      while (i < n && text::IsIdentChar(data[i])) ++i;
      const bool is_key = i > token_begin && i < n && data[i] == '=';
      const size_t key_end = i;
      while (i < n && data[i] != ' ') ++i;  // values are short: no memchr call
      const size_t token_end = i;
      if (is_key) {
        if (count_ == kMaxFields) break;
        current = count_++;
        Field& f = fields_[current];
        f.key = data + token_begin;
        f.key_len = key_end - token_begin;
        value_begin = key_end + 1;
        f.value = data + value_begin;
        f.value_len = token_end - value_begin;
      } else if (token_end - token_begin == 3 && data[token_begin] == '=' && data[token_begin + 1] == '=' &&
                 data[token_begin + 2] == '>') {
        current = -1;
      } else if (current >= 0) {
        fields_[current].value_len = token_end - value_begin;
      }
    }
  }

  struct Field {
    const char* key;
    size_t key_len;
    const char* value;
    size_t value_len;
  };
  // Left uninitialized on purpose: one KeyValues is built per record, only
  // fields_[0, count_) is ever read, and zeroing 24 fields cost ~10 % of the
  // ftrace reader's time (bench/README.md).
  Field fields_[kMaxFields];  // NOLINT(cppcoreguidelines-pro-type-member-init)
  int count_ = 0;
};

}  // namespace kstarve
