#include "readers/tracedat/event_decoder.h"

#include <cstdio>
#include <cstring>

#include "readers/event_names.h"
#include "readers/task_state.h"
#include "readers/tracedat/byte_order.h"

namespace kstarve::tracedat {
namespace {

constexpr int32_t kMaxPid = 1 << 22;  // the kernel's PID_MAX_LIMIT

// The fields each used tracepoint needs, in slot order; a leading '?'
// marks an optional one (older or newer kernels lack it).
struct Wanted {
  EventKind kind;
  std::array<const char*, EventDecoder::kMaxFields> fields;
};

const Wanted* FieldsFor(EventKind kind) {
  static const Wanted kTable[] = {
      {EventKind::kSwitch, {"prev_comm", "prev_pid", "prev_prio", "prev_state", "next_comm", "next_pid", "next_prio"}},
      {EventKind::kWaking, {"comm", "pid", "prio", "?target_cpu"}},
      {EventKind::kWakeup, {"comm", "pid", "prio", "?target_cpu"}},
      {EventKind::kWakeupNew, {"comm", "pid", "prio", "?target_cpu"}},
      {EventKind::kMigrate, {"comm", "pid", "prio", "dest_cpu", "?orig_cpu"}},
      {EventKind::kFork, {"parent_comm", "parent_pid", "child_comm", "child_pid"}},
      {EventKind::kExit, {"comm", "pid", "prio"}},
      {EventKind::kStatRuntime, {"comm", "pid", "runtime"}},
      {EventKind::kStatWait, {"comm", "pid", "delay"}},
      {EventKind::kIrqEntry, {"irq", "?name"}},
      {EventKind::kIrqExit, {"irq"}},
      {EventKind::kSoftirqRaise, {"vec"}},
      {EventKind::kSoftirqEntry, {"vec"}},
      {EventKind::kSoftirqExit, {"vec"}},
      {EventKind::kWorkStart, {"work", "?function"}},
      {EventKind::kWorkEnd, {"work", "?function"}},
  };
  for (const Wanted& w : kTable) {
    if (w.kind == kind) return &w;
  }
  return nullptr;
}

FieldRef RefOf(const FieldFormat& f) {
  FieldRef r;
  r.offset = static_cast<uint16_t>(f.offset);
  r.size = static_cast<uint8_t>(f.size);
  r.loc = f.data_loc ? 1 : f.rel_loc ? 2 : 0;
  r.is_signed = f.is_signed;
  return r;
}

// Integer fields are 1, 2, 4 or 8 bytes; strings (comms) up to 255.
bool Representable(const FieldFormat& f, bool integer) {
  if (f.offset > 0xffff || f.size == 0 || f.size > 255) return false;
  if (f.data_loc || f.rel_loc) return f.size == 4;
  return !integer || f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8;
}

bool IsStringField(EventKind kind, int slot) {
  switch (kind) {
    case EventKind::kSwitch: return slot == 0 || slot == 4;
    case EventKind::kFork: return slot == 0 || slot == 2;
    case EventKind::kIrqEntry: return slot == 1;
    case EventKind::kWorkStart:
    case EventKind::kWorkEnd: return false;
    default:
      return slot == 0 && kind != EventKind::kIrqExit && kind != EventKind::kSoftirqRaise &&
             kind != EventKind::kSoftirqEntry && kind != EventKind::kSoftirqExit;
  }
}

}  // namespace

EventDecoder::EventDecoder(const TraceDatFile& file, StringInterner& strings)
    : swap_(file.swap), strings_(strings), comms_(strings), kallsyms_text_(file.kallsyms) {
  idle_ = strings_.Intern("<idle>");
  for (const EventFormat& f : file.formats) {
    if (const FieldFormat* t = f.Find("common_type"); t != nullptr && (t->size == 2 || t->size == 4)) {
      common_type_ = RefOf(*t);
    }
    if (const FieldFormat* p = f.Find("common_pid"); p != nullptr && p->size == 4) common_pid_ = RefOf(*p);
    AddFormat(f);
  }
  // Saved command lines: "PID COMM" per line.
  std::string_view text = file.cmdlines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp + 1 >= line.size()) continue;
    int64_t pid = 0;
    bool digits = true;
    for (char c : line.substr(0, sp)) {
      if (c < '0' || c > '9' || pid > kMaxPid) {
        digits = false;
        break;
      }
      pid = pid * 10 + (c - '0');
    }
    if (!digits || pid <= 0 || pid >= kMaxPid) continue;
    StrId id = comms_.Intern(line.substr(sp + 1));
    auto p = static_cast<size_t>(pid);
    if (p >= header_comms_.size()) header_comms_.resize(p + 1, kNoStr);
    header_comms_[p] = id;  // later lines win, as trace-cmd reads them
  }
}

void EventDecoder::AddFormat(const EventFormat& format) {
  EventKind kind;
  if (!LookupUsedEvent(format.name, kind)) return;
  const Wanted* wanted = FieldsFor(kind);
  if (wanted == nullptr) return;
  Layout layout;
  layout.kind = kind;
  for (int i = 0; i < kMaxFields; ++i) {
    const char* name = wanted->fields[static_cast<size_t>(i)];
    if (name == nullptr) break;
    bool optional = name[0] == '?';
    if (optional) ++name;
    const FieldFormat* f = format.Find(name);
    bool integer = !IsStringField(kind, i);
    if (f == nullptr || !Representable(*f, integer)) {
      if (optional) continue;
      format_problems_.push_back(format.system + ":" + format.name + ": expected a field " + name +
                                 " in its format; its records are counted as other events");
      return;
    }
    FieldRef ref = RefOf(*f);
    layout.f[static_cast<size_t>(i)] = ref;
    if (!optional) layout.min_size = std::max<uint32_t>(layout.min_size, f->offset + f->size);
  }
  layout.min_size = std::max<uint32_t>(layout.min_size, uint32_t{common_pid_.offset} + common_pid_.size);
  layout.used = true;
  auto id = static_cast<size_t>(format.id);
  if (id >= by_id_.size()) by_id_.resize(id + 1);
  by_id_[id] = layout;
}

int64_t EventDecoder::Int(const char* d, const FieldRef& f) const {
  const char* p = d + f.offset;
  switch (f.size) {
    case 1: return f.is_signed ? int64_t{static_cast<int8_t>(*p)} : int64_t{static_cast<uint8_t>(*p)};
    case 2: {
      uint16_t v = Load<uint16_t>(p, swap_);
      return f.is_signed ? int64_t{static_cast<int16_t>(v)} : int64_t{v};
    }
    case 4: {
      uint32_t v = Load<uint32_t>(p, swap_);
      return f.is_signed ? int64_t{static_cast<int32_t>(v)} : int64_t{v};
    }
    case 8: return static_cast<int64_t>(Load<uint64_t>(p, swap_));
    default: return 0;
  }
}

uint64_t EventDecoder::UInt(const char* d, const FieldRef& f) const {
  const char* p = d + f.offset;
  switch (f.size) {
    case 1: return static_cast<uint8_t>(*p);
    case 2: return Load<uint16_t>(p, swap_);
    case 4: return Load<uint32_t>(p, swap_);
    case 8: return Load<uint64_t>(p, swap_);
    default: return 0;
  }
}

StrId EventDecoder::Comm(const Record& r, const FieldRef& f, int32_t pid) {
  std::string_view text;
  if (f.loc != 0) {
    if (!DynamicString(r, f, text)) return kNoStr;
  } else {
    const char* p = r.data + f.offset;
    const void* nul = std::memchr(p, '\0', f.size);
    text = std::string_view(p, nul == nullptr ? f.size : static_cast<size_t>(static_cast<const char*>(nul) - p));
  }
  size_t len = text.size();
  if (len == 0) return kNoStr;
  if (pid < 0 || pid >= kMaxPid || len > sizeof(PidComm::text)) return comms_.Intern(text);
  auto i = static_cast<size_t>(pid);
  if (i >= pid_comms_.size()) pid_comms_.resize(std::max(i + 1, pid_comms_.size() * 2));
  PidComm& c = pid_comms_[i];
  if (c.len == len && std::memcmp(c.text, text.data(), len) == 0) return c.id;
  c.id = comms_.Intern(text);
  std::memcpy(c.text, text.data(), len);
  c.len = static_cast<uint8_t>(len);
  return c.id;
}

bool EventDecoder::DynamicString(const Record& r, const FieldRef& f, std::string_view& s) const {
  if (f.size == 0) return false;
  uint32_t loc = Load<uint32_t>(r.data + f.offset, swap_);
  size_t offset = loc & 0xffff;
  size_t len = loc >> 16;
  if (f.loc == 2) offset += size_t{f.offset} + f.size;
  if (offset > r.size || len > r.size - offset) return false;
  const char* p = r.data + offset;
  const void* nul = std::memchr(p, '\0', len);
  s = std::string_view(p, nul == nullptr ? len : static_cast<size_t>(static_cast<const char*>(nul) - p));
  return true;
}

StrId EventDecoder::FunctionName(uint64_t address) {
  auto it = functions_.find(address);
  if (it != functions_.end()) return it->second;
  if (!kallsyms_loaded_) {
    kallsyms_.Parse(kallsyms_text_);
    kallsyms_loaded_ = true;
  }
  std::string_view name;
  StrId id;
  if (kallsyms_.Lookup(address, name)) {
    id = strings_.Intern(name);
  } else {
    // As trace-cmd prints an address it cannot name.
    char hex[24];
    int n = std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(address));
    id = strings_.Intern(std::string_view(hex, static_cast<size_t>(n)));
  }
  functions_.emplace(address, id);
  return id;
}

StrId EventDecoder::HeaderComm(int32_t pid) const {
  if (pid == 0) return idle_;
  if (pid < 0 || static_cast<size_t>(pid) >= header_comms_.size()) return kNoStr;
  return header_comms_[static_cast<size_t>(pid)];
}

void EventDecoder::RegisterComm(int32_t pid, StrId comm) {
  if (pid <= 0 || pid >= kMaxPid || comm == kNoStr) return;
  auto i = static_cast<size_t>(pid);
  if (i >= header_comms_.size()) header_comms_.resize(std::max(i + 1, header_comms_.size() * 2), kNoStr);
  if (header_comms_[i] == kNoStr) header_comms_[i] = comm;
}

Decoded EventDecoder::Decode(const Record& r, int32_t cpu, Event& e) {
  if (r.size < uint32_t{common_type_.offset} + common_type_.size) {
    problem_ = "a record of at least " + std::to_string(common_type_.offset + common_type_.size) + " bytes, found " +
               std::to_string(r.size);
    return Decoded::kMalformed;
  }
  const char* d = r.data;
  uint64_t type = UInt(d, common_type_);
  if (type >= by_id_.size() || !by_id_[type].used) return Decoded::kOther;
  const Layout& l = by_id_[type];
  if (r.size < l.min_size) {
    problem_ = std::string(EventKindName(l.kind)) + " record of " + std::to_string(l.min_size) + " bytes, found " +
               std::to_string(r.size);
    return Decoded::kMalformed;
  }
  e = Event{};
  e.kind = l.kind;
  e.cpu = cpu;
  e.pid = static_cast<int32_t>(Int(d, common_pid_));
  e.pid_comm = HeaderComm(e.pid);
  const auto& f = l.f;
  auto optional_int = [&](const FieldRef& ref) -> int32_t {
    if (ref.size == 0 || uint32_t{ref.offset} + ref.size > r.size) return -1;
    return static_cast<int32_t>(Int(d, ref));
  };
  switch (l.kind) {
    case EventKind::kSwitch:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.prio = static_cast<int16_t>(Int(d, f[2]));
      e.state = StateFromRawNumber(UInt(d, f[3]));
      e.tid2 = static_cast<int32_t>(Int(d, f[5]));
      e.comm2 = Comm(r, f[4], e.tid2);
      e.prio2 = static_cast<int16_t>(Int(d, f[6]));
      RegisterComm(e.tid, e.comm);
      RegisterComm(e.tid2, e.comm2);
      break;
    case EventKind::kWaking:
    case EventKind::kWakeup:
    case EventKind::kWakeupNew:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.prio = static_cast<int16_t>(Int(d, f[2]));
      e.arg = optional_int(f[3]);
      if (l.kind != EventKind::kWaking) RegisterComm(e.tid, e.comm);
      break;
    case EventKind::kMigrate:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.prio = static_cast<int16_t>(Int(d, f[2]));
      e.arg = static_cast<int32_t>(Int(d, f[3]));
      e.arg2 = optional_int(f[4]);
      break;
    case EventKind::kFork:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.tid2 = static_cast<int32_t>(Int(d, f[3]));
      e.comm2 = Comm(r, f[2], e.tid2);
      break;
    case EventKind::kExit:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.prio = static_cast<int16_t>(Int(d, f[2]));
      break;
    case EventKind::kStatRuntime:
    case EventKind::kStatWait:
      e.tid = static_cast<int32_t>(Int(d, f[1]));
      e.comm = Comm(r, f[0], e.tid);
      e.value = UInt(d, f[2]);
      break;
    case EventKind::kIrqEntry: {
      e.arg = static_cast<int32_t>(Int(d, f[0]));
      std::string_view name;
      if (DynamicString(r, f[1], name)) e.comm = comms_.Intern(name);
      break;
    }
    case EventKind::kIrqExit:
    case EventKind::kSoftirqRaise:
    case EventKind::kSoftirqEntry:
    case EventKind::kSoftirqExit: e.arg = static_cast<int32_t>(Int(d, f[0])); break;
    case EventKind::kWorkStart:
    case EventKind::kWorkEnd:
      e.value = UInt(d, f[0]);
      if (f[1].size != 0 && uint32_t{f[1].offset} + f[1].size <= r.size) e.comm = FunctionName(UInt(d, f[1]));
      break;
    case EventKind::kLost:
    case EventKind::kCpuStart: return Decoded::kOther;
  }
  return Decoded::kUsed;
}

}  // namespace kstarve::tracedat
