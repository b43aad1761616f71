#include "readers/perf_script_parser.h"

#include <cstring>

#include "readers/event_names.h"
#include "readers/payload_parser.h"
#include "readers/text_scan.h"

namespace kstarve {
namespace {

using text::IsDigit;
using text::IsSpace;

struct Header {
  std::string_view comm;
  int32_t tid = -1;
  int32_t cpu = -1;
  int64_t ts = 0;
  size_t after_time = 0;  // index just past the time's ':'
};

// "12", "1234/1235": the thread id is the last number.
bool ParseThreadColumn(std::string_view s, int32_t& tid) {
  size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    int32_t pid = 0;
    if (!text::ParseInt(s.substr(0, slash), pid)) return false;
    s.remove_prefix(slash + 1);
  }
  return text::ParseInt(s, tid);
}

// The time column anchors the header: perf prints nothing else like
// " 1234.567890:" before the event name, while comms may hold almost anything.
bool FindHeader(std::string_view line, size_t start, Header& h) {
  const char* s = line.data();
  const size_t n = line.size();
  size_t search = start;
  while (search < n) {
    const void* hit = std::memchr(s + search, ':', n - search);
    if (hit == nullptr) return false;
    const size_t colon = static_cast<size_t>(static_cast<const char*>(hit) - s);
    search = colon + 1;
    if (colon + 1 < n && !IsSpace(s[colon + 1])) continue;
    size_t tb = colon;
    while (tb > start && (IsDigit(s[tb - 1]) || s[tb - 1] == '.')) --tb;
    if (tb == colon || tb == start || !IsSpace(s[tb - 1])) continue;
    int64_t ts = 0;
    std::string_view time = line.substr(tb, colon - tb);
    if (!text::LooksLikeTimestamp(time) || !text::ParseTimestampNs(time, ts)) continue;

    size_t b = tb;
    while (b > start && IsSpace(s[b - 1])) --b;
    int32_t cpu = -1;
    if (b > start && s[b - 1] == ']') {
      size_t lb = line.rfind('[', b - 1);
      if (lb == std::string_view::npos || lb < start || !text::ParseInt(line.substr(lb + 1, b - 2 - lb), cpu)) {
        continue;
      }
      b = lb;
      while (b > start && IsSpace(s[b - 1])) --b;
    }
    const size_t thread_end = b;
    while (b > start && (IsDigit(s[b - 1]) || s[b - 1] == '/')) --b;
    if (b == thread_end || b == start || !IsSpace(s[b - 1])) continue;
    int32_t tid = 0;
    if (!ParseThreadColumn(line.substr(b, thread_end - b), tid)) continue;
    std::string_view comm = text::Trim(line.substr(start, b - start));
    if (comm.empty() || comm.size() > text::kMaxHeaderCommBytes) continue;
    h.comm = comm;
    h.tid = tid;
    h.cpu = cpu;
    h.ts = ts;
    h.after_time = colon + 1;
    return true;
  }
  return false;
}

}  // namespace

void PerfScriptParser::Parse(std::string_view line, ParsedLine& out) {
  out.Reset();
  size_t start = 0;
  while (start < line.size() && IsSpace(line[start])) ++start;
  if (start == line.size() || line[start] == '#') return;

  Header h;
  if (!FindHeader(line, start, h)) return;
  size_t pos = h.after_time;
  while (pos < line.size() && IsSpace(line[pos])) ++pos;
  // Some sample types print a period before the event: "1234.5:      1 sched:...".
  size_t digits_end = pos;
  while (digits_end < line.size() && IsDigit(line[digits_end])) ++digits_end;
  if (digits_end > pos && digits_end < line.size() && IsSpace(line[digits_end])) {
    pos = digits_end;
    while (pos < line.size() && IsSpace(line[pos])) ++pos;
  }
  size_t token_end = pos;
  while (token_end < line.size() && !IsSpace(line[token_end])) ++token_end;
  std::string_view token = line.substr(pos, token_end - pos);
  if (token.size() < 2 || token.back() != ':') {
    out.kind = LineKind::kOtherEvent;  // a sample that is no tracepoint
    return;
  }
  token.remove_suffix(1);
  size_t subsystem_end = token.find(':');
  std::string_view name = subsystem_end == std::string_view::npos ? token : token.substr(subsystem_end + 1);
  EventKind kind;
  if (!LookupUsedEvent(name, kind)) {
    out.kind = LineKind::kOtherEvent;
    return;
  }
  const RecordHeader header{kind, name, h.ts, h.cpu, h.tid, comms_.Intern(h.comm)};
  ParseRecord(header, text::TrimLeft(line.substr(token_end)), comms_, out);  // perf has no short forms
}

}  // namespace kstarve
