// EventDecoder: one raw ring-buffer record -> one Event.
//
// From the event formats of the file it builds, once, a table indexed by
// event id with the offsets and sizes of the fields each used tracepoint
// needs, so decoding a record is a table lookup and a few loads: no string
// work per event. Comms are interned once per (pid, comm) pair; the header
// comm of a record comes from the file's saved command lines, as
// `trace-cmd report` prints it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/interner.h"
#include "events/event.h"
#include "readers/comm_cache.h"
#include "readers/tracedat/cpu_stream.h"
#include "readers/tracedat/kallsyms.h"
#include "readers/tracedat/trace_dat_file.h"

namespace kstarve::tracedat {

enum class Decoded : uint8_t { kUsed, kOther, kMalformed };

// Where one field lies in a record.
struct FieldRef {
  uint16_t offset = 0;
  uint8_t size = 0;  // 0: the event has no such field
  uint8_t loc = 0;   // 0 plain, 1 __data_loc, 2 __rel_loc
  bool is_signed = false;
};

class EventDecoder {
 public:
  static constexpr int kMaxFields = 7;

  EventDecoder(const TraceDatFile& file, StringInterner& strings);

  // Fills `e` (kind, ts left to the caller) from a record of `cpu`. For
  // kMalformed, problem() says what was wrong.
  Decoded Decode(const Record& r, int32_t cpu, Event& e);

  const std::string& problem() const { return problem_; }
  // Used tracepoints whose format lacks a field kstarve needs (read as other events).
  const std::vector<std::string>& format_problems() const { return format_problems_; }

 private:
  struct Layout {
    bool used = false;
    EventKind kind = EventKind::kSwitch;
    uint32_t min_size = 0;  // every required field lies below this
    std::array<FieldRef, kMaxFields> f{};
  };

  void AddFormat(const EventFormat& format);
  int64_t Int(const char* d, const FieldRef& f) const;
  uint64_t UInt(const char* d, const FieldRef& f) const;
  StrId Comm(const Record& r, const FieldRef& f, int32_t pid);
  bool DynamicString(const Record& r, const FieldRef& f, std::string_view& s) const;
  StrId FunctionName(uint64_t address);
  StrId HeaderComm(int32_t pid) const;
  void RegisterComm(int32_t pid, StrId comm);

  bool swap_;
  FieldRef common_type_{0, 2, 0, false};
  FieldRef common_pid_{4, 4, 0, true};
  std::vector<Layout> by_id_;
  StringInterner& strings_;
  CommCache comms_;

  // (pid -> last comm seen for it and its id): one compare per comm field.
  struct PidComm {
    char text[16];
    uint8_t len = 0xff;  // 0xff: empty
    StrId id = kNoStr;
  };
  std::vector<PidComm> pid_comms_;
  // Header comms: saved command lines, then comms sched_switch and
  // sched_wakeup name (as trace-cmd's sched plugin registers them).
  std::vector<StrId> header_comms_;
  StrId idle_;

  std::string_view kallsyms_text_;
  bool kallsyms_loaded_ = false;
  Kallsyms kallsyms_;
  std::unordered_map<uint64_t, StrId> functions_;

  std::string problem_;
  std::vector<std::string> format_problems_;
};

}  // namespace kstarve::tracedat
