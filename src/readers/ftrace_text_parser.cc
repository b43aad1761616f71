#include "readers/ftrace_text_parser.h"

#include <cstring>

#include "readers/event_names.h"
#include "readers/payload_parser.h"
#include "readers/text_scan.h"

namespace kstarve {
namespace {

using text::IsDigit;
using text::IsSpace;

// Where the record header ends and what it says.
struct Header {
  std::string_view comm;
  int32_t pid = -1;
  int32_t cpu = -1;
  size_t after_cpu = 0;  // index just past "]"
  bool instance_prefix = false;
};

// A "(tgid)" group: "(-------)" or "(   2811)".
bool IsTgidGroup(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  for (char c : s.substr(1, s.size() - 2)) {
    if (!IsDigit(c) && c != '-' && c != ' ') return false;
  }
  return true;
}

// Finds "<comm>-<pid> [(<tgid>)] [<cpu>]" starting at `start`. Tries each
// '[' in turn, so a comm that itself contains "[..]" does not derail it.
bool FindHeader(std::string_view line, size_t start, Header& h) {
  const char* s = line.data();
  const size_t n = line.size();
  size_t search = start;
  while (search < n) {
    const void* hit = std::memchr(s + search, '[', n - search);
    if (hit == nullptr) return false;
    const size_t lb = static_cast<size_t>(static_cast<const char*>(hit) - s);
    search = lb + 1;
    if (lb == start || !IsSpace(s[lb - 1])) continue;
    size_t q = lb + 1;
    while (q < n && IsDigit(s[q])) ++q;
    if (q == lb + 1 || q - lb - 1 > 6 || q >= n || s[q] != ']') continue;

    size_t b = lb;  // one past what precedes the cpu column
    while (b > start && IsSpace(s[b - 1])) --b;
    if (b > start && s[b - 1] == ')') {
      size_t open = line.rfind('(', b - 1);
      if (open == std::string_view::npos || open < start || b - open > 16) continue;
      if (!IsTgidGroup(line.substr(open, b - open))) continue;
      b = open;
      while (b > start && IsSpace(s[b - 1])) --b;
    }
    const size_t pid_end = b;
    while (b > start && IsDigit(s[b - 1])) --b;
    if (b == pid_end || b == start || s[b - 1] != '-' || pid_end - b > 9) continue;
    int32_t pid = 0;
    int32_t cpu = 0;
    if (!text::ParseInt(line.substr(b, pid_end - b), pid)) continue;
    if (!text::ParseInt(line.substr(lb + 1, q - lb - 1), cpu)) continue;
    std::string_view comm = line.substr(start, b - 1 - start);
    // trace-cmd report prefixes records of a tracefs instance with its name:
    // "kstarve-readers:             bash-8604  [000] ...".
    size_t colon = comm.find(':');
    if (colon != std::string_view::npos && colon + 1 < comm.size() && IsSpace(comm[colon + 1]) &&
        comm.substr(0, colon).find(' ') == std::string_view::npos) {
      std::string_view rest = text::TrimLeft(comm.substr(colon + 1));
      if (!rest.empty()) {
        comm = rest;
        h.instance_prefix = true;
      }
    }
    if (comm.size() > text::kMaxHeaderCommBytes) continue;
    h.comm = comm;
    h.pid = pid;
    h.cpu = cpu;
    h.after_cpu = q + 1;
    return true;
  }
  return false;
}

void SkipSpaces(std::string_view line, size_t& pos) {
  while (pos < line.size() && IsSpace(line[pos])) ++pos;
}

// The time column, after an optional latency-flags column ("d..2", "dNh1.").
bool ParseTimeColumn(std::string_view line, size_t& pos, int64_t& ts) {
  size_t p = pos;
  if (!text::ParseTimestampColumn(line, p, ts) || (p < line.size() && !IsSpace(line[p]))) return false;
  pos = p;
  return true;
}

bool ParseTimeColumns(std::string_view line, size_t& pos, int64_t& ts) {
  SkipSpaces(line, pos);
  if (ParseTimeColumn(line, pos, ts)) return true;
  while (pos < line.size() && !IsSpace(line[pos])) ++pos;
  SkipSpaces(line, pos);
  return ParseTimeColumn(line, pos, ts);
}

}  // namespace

// trace-cmd report prefixes an instance's lost-events markers with the
// instance name, as its records: "kstarve_td: CPU:0 [3211 EVENTS DROPPED]".
// Only a first word ending in ':' is taken as a name, so record lines pay
// one memchr.
bool ParseInstanceLostEventsLine(std::string_view line, ParsedLine& out) {
  const void* hit = std::memchr(line.data(), ' ', line.size());
  if (hit == nullptr) return false;
  const auto sp = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
  if (sp < 2 || line[sp - 1] != ':') return false;
  std::string_view rest = text::TrimLeft(line.substr(sp + 1));
  if (rest.empty() || rest.front() != 'C' || !ParseLostEventsLine(rest, out)) return false;
  out.trace_cmd_hint = true;
  return true;
}

bool ParseLostEventsLine(std::string_view line, ParsedLine& out) {
  constexpr std::string_view kCpu = "CPU:";
  if (line.substr(0, kCpu.size()) != kCpu) return false;
  size_t p = kCpu.size();
  size_t digits_end = p;
  while (digits_end < line.size() && IsDigit(line[digits_end])) ++digits_end;
  int32_t cpu = 0;
  if (!text::ParseInt(line.substr(p, digits_end - p), cpu)) return false;
  std::string_view rest = text::Trim(line.substr(digits_end));
  if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') return false;
  rest = rest.substr(1, rest.size() - 2);
  uint64_t lost = 0;
  bool trace_cmd = false;
  constexpr std::string_view kLostWord = "LOST ";
  constexpr std::string_view kEvents = " EVENTS";
  constexpr std::string_view kDropped = "EVENTS DROPPED";
  if (rest.substr(0, kLostWord.size()) == kLostWord) {
    rest.remove_prefix(kLostWord.size());
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos || rest.substr(sp) != kEvents) return false;
    if (!text::ParseInt(rest.substr(0, sp), lost)) return false;
  } else if (rest == kDropped) {
    trace_cmd = true;  // count unknown
  } else {
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos || rest.substr(sp + 1) != kDropped) return false;
    if (!text::ParseInt(rest.substr(0, sp), lost)) return false;
    trace_cmd = true;
  }
  out.kind = LineKind::kMarker;
  out.event = Event{};
  out.event.kind = EventKind::kLost;
  out.event.cpu = cpu;
  out.event.value = lost;
  out.trace_cmd_hint = trace_cmd;
  return true;
}

bool ParseCpuBufferStartedLine(std::string_view line, ParsedLine& out) {
  constexpr std::string_view kPrefix = "##### CPU ";
  constexpr std::string_view kSuffix = " buffer started";
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = line.substr(kPrefix.size());
  size_t digits_end = 0;
  while (digits_end < rest.size() && IsDigit(rest[digits_end])) ++digits_end;
  int32_t cpu = 0;
  if (!text::ParseInt(rest.substr(0, digits_end), cpu)) return false;
  if (rest.substr(digits_end, kSuffix.size()) != kSuffix) return false;
  out.kind = LineKind::kMarker;
  out.event = Event{};
  out.event.kind = EventKind::kCpuStart;
  out.event.cpu = cpu;
  return true;
}

void FtraceTextParser::Parse(std::string_view line, ParsedLine& out) {
  out.Reset();
  size_t start = 0;
  while (start < line.size() && IsSpace(line[start])) ++start;
  if (start == line.size()) return;
  if (line[start] == '#') {
    ParseCpuBufferStartedLine(line.substr(start), out);
    return;
  }
  if (line[start] == 'C' && ParseLostEventsLine(line.substr(start), out)) return;
  if (ParseInstanceLostEventsLine(line.substr(start), out)) return;

  Header h;
  if (!FindHeader(line, start, h)) return;
  size_t pos = h.after_cpu;
  int64_t ts = 0;
  if (!ParseTimeColumns(line, pos, ts)) return;
  SkipSpaces(line, pos);
  size_t name_end = pos;
  while (name_end < line.size() && text::IsIdentChar(line[name_end])) ++name_end;
  out.trace_cmd_hint = h.instance_prefix;
  EventKind kind;
  std::string_view name = line.substr(pos, name_end - pos);
  if (name_end == pos || name_end == line.size() || line[name_end] != ':' || !LookupUsedEvent(name, kind)) {
    // Another tracepoint, or a tracer's own line (function, printk...).
    out.kind = LineKind::kOtherEvent;
    return;
  }
  const RecordHeader header{kind, name, ts, h.cpu, h.pid, h.comm == "<...>" ? kNoStr : comms_.Intern(h.comm)};
  out.trace_cmd_hint |= ParseRecord(header, text::TrimLeft(line.substr(name_end + 1)), comms_, out);
}

}  // namespace kstarve
