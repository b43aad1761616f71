// ByteCursor: bounds-checked reading of a trace.dat's metadata.
//
// Every read checks the remaining size first and, on failure, records what
// was expected at which file offset, so a truncated or corrupt file gives a
// message like "x.dat: offset 1234 (options section): expected a 4-byte
// option size, 2 bytes left" and never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "readers/tracedat/byte_order.h"

namespace kstarve::tracedat {

class ByteCursor {
 public:
  // `data` starts at file offset `base` (for messages); `where` names the
  // part of the file being read, e.g. "options section".
  ByteCursor(std::string_view data, uint64_t base, bool swap, std::string where)
      : data_(data), base_(base), swap_(swap), where_(std::move(where)) {}

  bool U16(uint16_t& v, const char* what) { return Int(v, what); }
  bool U32(uint32_t& v, const char* what) { return Int(v, what); }
  bool U64(uint64_t& v, const char* what) { return Int(v, what); }

  // A NUL-terminated string (without the NUL).
  bool CString(std::string_view& s, const char* what) {
    size_t end = data_.find('\0', pos_);
    if (end == std::string_view::npos) return Fail(what, "no terminating NUL before the end");
    s = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }

  bool Bytes(uint64_t n, std::string_view& s, const char* what) {
    if (n > remaining())
      return Fail(what, std::to_string(n) + " bytes needed, " + std::to_string(remaining()) + " left");
    s = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  // Checks that the next bytes are exactly `literal` (which may hold NULs).
  bool Expect(std::string_view literal, const char* what) {
    std::string_view got;
    if (!Bytes(literal.size(), got, what)) return false;
    if (got != literal) {
      pos_ -= literal.size();
      return Fail(what, "other bytes found");
    }
    return true;
  }

  size_t remaining() const { return data_.size() - pos_; }
  size_t pos() const { return pos_; }
  uint64_t offset() const { return base_ + pos_; }
  bool swap() const { return swap_; }
  const std::string& error() const { return error_; }

  // Records a failure at the current offset; always returns false.
  bool Fail(const char* what, const std::string& detail) {
    if (error_.empty()) {
      error_ = "offset " + std::to_string(offset()) + " (" + where_ + "): expected " + what + ", " + detail;
    }
    return false;
  }

 private:
  template <typename T>
  bool Int(T& v, const char* what) {
    if (remaining() < sizeof(T)) {
      return Fail(what, std::to_string(sizeof(T)) + " bytes needed, " + std::to_string(remaining()) + " left");
    }
    v = Load<T>(data_.data() + pos_, swap_);
    pos_ += sizeof(T);
    return true;
  }

  std::string_view data_;
  uint64_t base_;
  bool swap_;
  std::string where_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace kstarve::tracedat
