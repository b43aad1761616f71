#include "readers/payload_parser.h"

#include <limits>

#include "readers/key_values.h"
#include "readers/task_state.h"
#include "readers/text_scan.h"

namespace kstarve {
namespace {

template <typename Int>
bool GetInt(const KeyValues& kv, std::string_view key, Int& out) {
  std::string_view v;
  if (!kv.Get(key, v)) return false;
  int64_t wide = 0;
  if (!text::ParseLeadingInt(v, wide)) return false;
  if (wide < std::numeric_limits<Int>::min() || wide > std::numeric_limits<Int>::max()) return false;
  out = static_cast<Int>(wide);
  return true;
}

bool GetU64(const KeyValues& kv, std::string_view key, uint64_t& out) {
  std::string_view v;
  return kv.Get(key, v) && text::ParseLeadingInt(v, out);
}

bool GetComm(const KeyValues& kv, std::string_view key, CommCache& comms, StrId& out) {
  std::string_view v;
  if (!kv.Get(key, v)) return false;
  out = comms.Intern(v);
  return true;
}

// "COMM:PID [PRIO]" followed by whatever the plugin prints next. The comm
// may hold spaces and colons, so the pid is the digits after the last ':'
// before the " [PRIO]" group.
bool ParseShortTask(std::string_view s, CommCache& comms, int32_t& pid, StrId& comm, int16_t& prio,
                    std::string_view& rest) {
  s = text::Trim(s);
  size_t from = 0;
  for (;;) {
    size_t lb = s.find(" [", from);
    if (lb == std::string_view::npos) return false;
    from = lb + 1;
    size_t rb = s.find(']', lb + 2);
    if (rb == std::string_view::npos) return false;
    int16_t p = 0;
    if (!text::ParseInt(s.substr(lb + 2, rb - lb - 2), p)) continue;
    std::string_view head = s.substr(0, lb);
    size_t colon = head.rfind(':');
    if (colon == std::string_view::npos) continue;
    int32_t id = 0;
    if (!text::ParseInt(head.substr(colon + 1), id)) continue;
    pid = id;
    comm = comms.Intern(head.substr(0, colon));
    prio = p;
    rest = text::Trim(s.substr(rb + 1));
    return true;
  }
}

PayloadResult ParseSwitch(std::string_view payload, CommCache& comms, Event& e) {
  KeyValues kv(payload);
  std::string_view state;
  if (!kv.Get("prev_pid", state)) {
    // trace-cmd's plugin: "bash:1234 [120] S ==> swapper/0:0 [120]"
    size_t arrow = payload.find("==>");
    if (arrow == std::string_view::npos) return {"expected prev_pid=<number>"};
    std::string_view rest;
    if (!ParseShortTask(payload.substr(0, arrow), comms, e.tid, e.comm, e.prio, rest)) {
      return {"expected PREV_COMM:PREV_PID [PRIO] STATE ==>"};
    }
    if (!ParseShortFormState(rest, e.state)) return {"expected a prev state (R, S, D, ...) before ==>"};
    std::string_view next_rest;
    if (!ParseShortTask(payload.substr(arrow + 3), comms, e.tid2, e.comm2, e.prio2, next_rest)) {
      return {"expected ==> NEXT_COMM:NEXT_PID [PRIO]"};
    }
    return {nullptr, true};
  }
  if (!GetInt(kv, "prev_pid", e.tid)) return {"expected prev_pid=<number>"};
  if (!GetComm(kv, "prev_comm", comms, e.comm)) return {"expected prev_comm=<name>"};
  if (!GetInt(kv, "prev_prio", e.prio)) return {"expected prev_prio=<number>"};
  if (!kv.Get("prev_state", state) || !ParsePrevState(state, e.state)) {
    return {"expected prev_state=<state>"};
  }
  if (!GetComm(kv, "next_comm", comms, e.comm2)) return {"expected next_comm=<name>"};
  if (!GetInt(kv, "next_pid", e.tid2)) return {"expected next_pid=<number>"};
  if (!GetInt(kv, "next_prio", e.prio2)) return {"expected next_prio=<number>"};
  return {};
}

PayloadResult ParseWakeup(std::string_view payload, CommCache& comms, Event& e) {
  KeyValues kv(payload);
  std::string_view unused;
  if (!kv.Get("pid", unused)) {
    // trace-cmd's plugin: "comm:pid [prio] CPU:007", older ones put
    // "success=1" before CPU.
    std::string_view rest;
    if (!ParseShortTask(payload, comms, e.tid, e.comm, e.prio, rest)) return {"expected pid=<number>"};
    e.arg = -1;
    size_t cpu = rest.find("CPU:");
    if (cpu != std::string_view::npos && !text::ParseLeadingInt(rest.substr(cpu + 4), e.arg)) {
      return {"expected CPU:<number>"};
    }
    return {nullptr, true};
  }
  if (!GetInt(kv, "pid", e.tid)) return {"expected pid=<number>"};
  if (!GetComm(kv, "comm", comms, e.comm)) return {"expected comm=<name>"};
  if (!GetInt(kv, "prio", e.prio)) return {"expected prio=<number>"};
  e.arg = -1;
  if (kv.Get("target_cpu", unused) && !GetInt(kv, "target_cpu", e.arg)) return {"expected target_cpu=<number>"};
  return {};
}

PayloadResult ParseTaskWithPrio(const KeyValues& kv, CommCache& comms, Event& e) {
  if (!GetInt(kv, "pid", e.tid)) return {"expected pid=<number>"};
  if (!GetComm(kv, "comm", comms, e.comm)) return {"expected comm=<name>"};
  if (!GetInt(kv, "prio", e.prio)) return {"expected prio=<number>"};
  return {};
}

PayloadResult ParseMigrate(std::string_view payload, CommCache& comms, Event& e) {
  KeyValues kv(payload);
  PayloadResult r = ParseTaskWithPrio(kv, comms, e);
  if (r.problem != nullptr) return r;
  if (!GetInt(kv, "dest_cpu", e.arg)) return {"expected dest_cpu=<number>"};
  std::string_view unused;
  e.arg2 = -1;
  if (kv.Get("orig_cpu", unused) && !GetInt(kv, "orig_cpu", e.arg2)) return {"expected orig_cpu=<number>"};
  return {};
}

PayloadResult ParseFork(std::string_view payload, CommCache& comms, Event& e) {
  KeyValues kv(payload);
  // TP_printk names the parent comm/pid; `trace-cmd report -R` parent_comm/parent_pid.
  if (!GetInt(kv, "pid", e.tid) && !GetInt(kv, "parent_pid", e.tid)) return {"expected pid=<number>"};
  if (!GetComm(kv, "comm", comms, e.comm) && !GetComm(kv, "parent_comm", comms, e.comm)) {
    return {"expected comm=<name>"};
  }
  if (!GetInt(kv, "child_pid", e.tid2)) return {"expected child_pid=<number>"};
  if (!GetComm(kv, "child_comm", comms, e.comm2)) return {"expected child_comm=<name>"};
  return {};
}

PayloadResult ParseTaskValue(std::string_view payload, std::string_view value_key, const char* value_problem,
                             CommCache& comms, Event& e) {
  KeyValues kv(payload);
  if (!GetInt(kv, "pid", e.tid)) return {"expected pid=<number>"};
  if (!GetComm(kv, "comm", comms, e.comm)) return {"expected comm=<name>"};
  if (!GetU64(kv, value_key, e.value)) return {value_problem};
  return {};
}

// "work struct 0xffff...: function name" (TP_printk; %p may print no "0x"),
// or "work=0x... function=name" (trace-cmd report -R).
PayloadResult ParseWork(std::string_view payload, CommCache& comms, Event& e) {
  constexpr std::string_view kWorkStruct = "work struct ";
  std::string_view p = text::TrimLeft(payload);
  if (p.substr(0, kWorkStruct.size()) == kWorkStruct) {
    p.remove_prefix(kWorkStruct.size());
    size_t colon = p.find(':');
    std::string_view addr = text::Trim(p.substr(0, colon));
    if (!text::ParseHex(addr, e.value)) return {"expected work struct <address>"};
    e.comm = kNoStr;
    if (colon == std::string_view::npos) return {};  // older kernels print no function
    std::string_view rest = text::TrimLeft(p.substr(colon + 1));
    constexpr std::string_view kFunction = "function ";
    if (rest.substr(0, kFunction.size()) == kFunction) {
      rest = text::TrimLeft(rest.substr(kFunction.size()));
      e.comm = comms.Intern(rest.substr(0, rest.find(' ')));
    }
    return {};
  }
  KeyValues kv(payload);
  std::string_view v;
  if (!kv.Get("work", v) || !text::ParseHex(v.substr(0, v.find(' ')), e.value)) {
    return {"expected work struct <address>"};
  }
  e.comm = kNoStr;
  if (kv.Get("function", v)) e.comm = comms.Intern(v.substr(0, v.find(' ')));
  return {};
}

}  // namespace

PayloadResult ParsePayload(std::string_view payload, CommCache& comms, Event& e) {
  switch (e.kind) {
    case EventKind::kSwitch: return ParseSwitch(payload, comms, e);
    case EventKind::kWaking:
    case EventKind::kWakeup:
    case EventKind::kWakeupNew: return ParseWakeup(payload, comms, e);
    case EventKind::kMigrate: return ParseMigrate(payload, comms, e);
    case EventKind::kFork: return ParseFork(payload, comms, e);
    case EventKind::kExit: {
      KeyValues kv(payload);
      return ParseTaskWithPrio(kv, comms, e);
    }
    case EventKind::kStatRuntime: return ParseTaskValue(payload, "runtime", "expected runtime=<number>", comms, e);
    case EventKind::kStatWait: return ParseTaskValue(payload, "delay", "expected delay=<number>", comms, e);
    case EventKind::kIrqEntry: {
      KeyValues kv(payload);
      if (!GetInt(kv, "irq", e.arg)) return {"expected irq=<number>"};
      std::string_view name;
      e.comm = kv.Get("name", name) ? comms.Intern(name) : kNoStr;
      return {};
    }
    case EventKind::kIrqExit: {
      KeyValues kv(payload);
      if (!GetInt(kv, "irq", e.arg)) return {"expected irq=<number>"};
      return {};
    }
    case EventKind::kSoftirqRaise:
    case EventKind::kSoftirqEntry:
    case EventKind::kSoftirqExit: {
      KeyValues kv(payload);
      if (!GetInt(kv, "vec", e.arg)) return {"expected vec=<number>"};
      return {};
    }
    case EventKind::kWorkStart:
    case EventKind::kWorkEnd: return ParseWork(payload, comms, e);
    case EventKind::kLost:
    case EventKind::kCpuStart: break;
  }
  return {"not a tracepoint payload"};
}

bool ParseRecord(const RecordHeader& h, std::string_view payload, CommCache& comms, ParsedLine& out) {
  Event& e = out.event;
  e = Event{};
  e.kind = h.kind;
  e.ts = h.ts;
  e.cpu = h.cpu;
  e.pid = h.pid;
  e.pid_comm = h.comm;
  PayloadResult r = ParsePayload(payload, comms, e);
  if (r.problem != nullptr) {
    out.kind = LineKind::kMalformed;
    out.event_name = h.name;
    out.problem = r.problem;
    return false;
  }
  out.kind = LineKind::kEvent;
  return r.short_form;
}

}  // namespace kstarve
