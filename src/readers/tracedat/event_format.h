// The tracefs "format" files a trace.dat carries: event ids and where each
// field of an event's record lies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kstarve::tracedat {

struct FieldFormat {
  std::string name;
  uint32_t offset = 0;
  uint32_t size = 0;
  bool is_signed = false;
  bool data_loc = false;  // __data_loc: a u32 (length << 16 | offset) pointing into the record
  bool rel_loc = false;   // __rel_loc: the same, offset counted from the end of the field
};

struct EventFormat {
  std::string system;
  std::string name;
  int64_t id = -1;
  std::vector<FieldFormat> fields;

  const FieldFormat* Find(std::string_view field) const;
};

// Parses one format file ("name: ...", "ID: ...", "field:... offset:N;
// size:N; signed:N;" lines). Returns false with `error` set if it has no
// name or no ID; unknown lines are ignored.
bool ParseEventFormat(std::string_view text, std::string_view system, EventFormat& out, std::string& error);

// Where the ring-buffer page header keeps its fields (events/header_page).
struct PageHeaderLayout {
  uint32_t timestamp_offset = 0;
  uint32_t commit_offset = 8;
  uint32_t commit_size = 8;  // the kernel's long size
  uint32_t data_offset = 16;
};

// Parses header_page. Returns false with `error` set if a field is missing.
bool ParsePageHeader(std::string_view text, PageHeaderLayout& out, std::string& error);

}  // namespace kstarve::tracedat
