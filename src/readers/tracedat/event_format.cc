#include "readers/tracedat/event_format.h"

#include <charconv>

namespace kstarve::tracedat {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsIdent(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

template <typename T>
bool ParseNumber(std::string_view s, T& v) {
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// "key:value" -> value, for one ';'-separated part of a field line.
bool KeyValue(std::string_view part, std::string_view key, std::string_view& value) {
  part = Trim(part);
  if (part.substr(0, key.size()) != key || part.size() <= key.size() || part[key.size()] != ':') return false;
  value = part.substr(key.size() + 1);
  return true;
}

// The field's name in a C declaration: "char prev_comm[16]" -> "prev_comm",
// "__data_loc char[] name" -> "name".
std::string_view DeclaredName(std::string_view decl) {
  decl = Trim(decl);
  // Drop a trailing array size; a "[]" inside the type stays before the name.
  if (!decl.empty() && decl.back() == ']') {
    size_t bracket = decl.rfind('[');
    if (bracket != std::string_view::npos) decl = Trim(decl.substr(0, bracket));
  }
  size_t end = decl.size();
  size_t begin = end;
  while (begin > 0 && IsIdent(decl[begin - 1])) --begin;
  return decl.substr(begin, end - begin);
}

// Parses "field:TYPE NAME; offset:N; size:N; signed:N;".
bool ParseFieldLine(std::string_view line, FieldFormat& f) {
  std::string_view decl;
  bool have_offset = false;
  bool have_size = false;
  size_t start = 0;
  while (start < line.size()) {
    size_t semi = line.find(';', start);
    std::string_view part = line.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    std::string_view v;
    if (KeyValue(part, "field", v)) {
      decl = Trim(v);
    } else if (KeyValue(part, "offset", v)) {
      have_offset = ParseNumber(v, f.offset);
    } else if (KeyValue(part, "size", v)) {
      have_size = ParseNumber(v, f.size);
    } else if (KeyValue(part, "signed", v)) {
      int s = 0;
      f.is_signed = ParseNumber(v, s) && s != 0;
    }
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  if (decl.empty() || !have_offset || !have_size) return false;
  f.data_loc = decl.substr(0, 10) == "__data_loc";
  f.rel_loc = decl.substr(0, 9) == "__rel_loc";
  f.name = std::string(DeclaredName(decl));
  return !f.name.empty();
}

template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    fn(Trim(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start)));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

}  // namespace

const FieldFormat* EventFormat::Find(std::string_view field) const {
  for (const FieldFormat& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

bool ParseEventFormat(std::string_view text, std::string_view system, EventFormat& out, std::string& error) {
  out = EventFormat{};
  out.system = std::string(system);
  ForEachLine(text, [&](std::string_view line) {
    std::string_view v;
    if (KeyValue(line, "name", v)) {
      out.name = std::string(Trim(v));
    } else if (KeyValue(line, "ID", v)) {
      int64_t id = -1;
      if (ParseNumber(v, id)) out.id = id;
    } else if (line.substr(0, 6) == "field:") {
      FieldFormat f;
      if (ParseFieldLine(line, f)) out.fields.push_back(std::move(f));
    }
  });
  if (out.name.empty()) {
    error = "an event format with a \"name:\" line";
    return false;
  }
  if (out.id < 0 || out.id > 0xffff) {
    error = "an \"ID:\" line (0..65535) in the format of " + out.name;
    return false;
  }
  return true;
}

bool ParsePageHeader(std::string_view text, PageHeaderLayout& out, std::string& error) {
  bool ts = false;
  bool commit = false;
  bool data = false;
  ForEachLine(text, [&](std::string_view line) {
    FieldFormat f;
    if (line.substr(0, 6) != "field:" || !ParseFieldLine(line, f)) return;
    if (f.name == "timestamp" && f.size == 8) {
      out.timestamp_offset = f.offset;
      ts = true;
    } else if (f.name == "commit" && (f.size == 4 || f.size == 8)) {
      out.commit_offset = f.offset;
      out.commit_size = f.size;
      commit = true;
    } else if (f.name == "data") {
      out.data_offset = f.offset;
      data = true;
    }
  });
  if (!ts || !commit || !data) {
    error = "header_page with u64 timestamp, local_t commit (4 or 8 bytes) and data fields";
    return false;
  }
  if (out.commit_offset + out.commit_size > out.data_offset || out.timestamp_offset + 8 > out.data_offset) {
    error = "header_page fields before the data field";
    return false;
  }
  return true;
}

}  // namespace kstarve::tracedat
