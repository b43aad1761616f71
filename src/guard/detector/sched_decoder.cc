#include "guard/detector/sched_decoder.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "events/event.h"

extern "C" {
#include <event-parse.h>
#include <kbuffer.h>
}

namespace kstarve::guard {

namespace {

struct Field {
  tep_format_field* f = nullptr;
  int64_t Read(const void* data) const {
    unsigned long long v = 0;
    if (f == nullptr || tep_read_number_field(f, data, &v) != 0) return -1;
    // Sign-extend signed fields narrower than 64 bits.
    if ((f->flags & TEP_FIELD_IS_SIGNED) != 0 && f->size < 8) {
      const int shift = 64 - 8 * f->size;
      return static_cast<int64_t>(v << shift) >> shift;
    }
    return static_cast<int64_t>(v);
  }
  void ReadComm(const void* data, uint32_t size, std::array<char, 16>& out) const {
    out.fill(0);
    if (f == nullptr || (f->flags & TEP_FIELD_IS_DYNAMIC) != 0) return;
    const auto off = static_cast<uint32_t>(f->offset);
    if (off >= size) return;
    const uint32_t n = std::min<uint32_t>({static_cast<uint32_t>(f->size), 16, size - off});
    std::memcpy(out.data(), static_cast<const char*>(data) + off, n);
  }
};

struct EventFields {
  int id = -1;
  SchedRecord::Kind kind = SchedRecord::Kind::kOther;
  Field pid, prio, target_cpu, comm;                 // wakeup / migrate (target_cpu = dest_cpu)
  Field prev_pid, prev_prio, prev_state, prev_comm;  // switch
  Field next_pid, next_prio, next_comm;              // switch
  uint32_t min_size = 0;                             // a record shorter than this is corrupt
};

}  // namespace

struct SchedDecoder::Impl {
  tep_handle* tep = nullptr;
  kbuffer* kbuf = nullptr;
  tep_format_field* common_type = nullptr;
  tep_format_field* common_pid = nullptr;
  std::vector<EventFields> events;
  std::vector<uint8_t> page;  // aligned copy: kbuffer reads in place

  ~Impl() {
    if (kbuf != nullptr) kbuffer_free(kbuf);
    if (tep != nullptr) tep_free(tep);
  }
};

SchedDecoder::SchedDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchedDecoder::~SchedDecoder() = default;

Result<std::unique_ptr<SchedDecoder>> SchedDecoder::Create(const std::vector<std::string>& formats,
                                                           const std::string& source) {
  auto impl = std::make_unique<Impl>();
  impl->tep = tep_alloc();
  impl->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST, KBUFFER_ENDIAN_SAME_AS_HOST);
  if (impl->tep == nullptr || impl->kbuf == nullptr) return Status::Error("detector: out of memory for libtraceevent");
  for (const std::string& text : formats) {
    if (tep_parse_event(impl->tep, text.data(), text.size(), "sched") != TEP_ERRNO__SUCCESS) {
      return Status::Error(source + ": cannot parse an event format: " + text.substr(0, text.find('\n')));
    }
  }
  auto find = [&](const char* name) { return tep_find_event_by_name(impl->tep, "sched", name); };
  tep_event* sw = find("sched_switch");
  if (sw == nullptr) return Status::Error(source + ": no sched_switch format (is the sched event group there?)");
  impl->common_type = tep_find_common_field(sw, "common_type");
  impl->common_pid = tep_find_common_field(sw, "common_pid");
  if (impl->common_type == nullptr || impl->common_pid == nullptr) {
    return Status::Error(source + ": sched_switch format has no common_type/common_pid");
  }
  auto field = [](tep_event* e, const char* name) { return Field{tep_find_field(e, name)}; };
  auto end_of = [](const Field& f) { return f.f == nullptr ? 0u : static_cast<uint32_t>(f.f->offset + f.f->size); };
  {
    EventFields s;
    s.id = sw->id;
    s.kind = SchedRecord::Kind::kSwitch;
    s.prev_pid = field(sw, "prev_pid");
    s.prev_prio = field(sw, "prev_prio");
    s.prev_state = field(sw, "prev_state");
    s.prev_comm = field(sw, "prev_comm");
    s.next_pid = field(sw, "next_pid");
    s.next_prio = field(sw, "next_prio");
    s.next_comm = field(sw, "next_comm");
    if (s.prev_pid.f == nullptr || s.prev_state.f == nullptr || s.next_pid.f == nullptr) {
      return Status::Error(source + ": sched_switch format lacks prev_pid, prev_state or next_pid");
    }
    for (const Field* f : {&s.prev_pid, &s.prev_prio, &s.prev_state, &s.next_pid, &s.next_prio}) {
      s.min_size = std::max(s.min_size, end_of(*f));
    }
    impl->events.push_back(s);
  }
  for (const char* name : {"sched_waking", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task"}) {
    tep_event* e = find(name);
    if (e == nullptr) continue;
    const bool migrate = std::string_view(name) == "sched_migrate_task";
    EventFields w;
    w.id = e->id;
    w.kind = migrate ? SchedRecord::Kind::kMigrate : SchedRecord::Kind::kWakeup;
    w.pid = field(e, "pid");
    w.prio = field(e, "prio");
    w.target_cpu = field(e, migrate ? "dest_cpu" : "target_cpu");
    w.comm = field(e, "comm");
    if (w.pid.f == nullptr || w.target_cpu.f == nullptr) {
      return Status::Error(source + ": " + name + " format lacks pid or its CPU field");
    }
    for (const Field* f : {&w.pid, &w.prio, &w.target_cpu}) w.min_size = std::max(w.min_size, end_of(*f));
    impl->events.push_back(w);
  }
  return std::unique_ptr<SchedDecoder>(new SchedDecoder(std::move(impl)));
}

Status SchedDecoder::DecodePage(int32_t cpu, std::span<const uint8_t> page, std::vector<SchedRecord>& out,
                                bool& missed) {
  Impl& m = *impl_;
  missed = false;
  if (page.size() < 16) return Status::Error("detector: short ring-buffer page from cpu " + std::to_string(cpu));
  m.page.assign(page.begin(), page.end());
  m.page.resize(std::max<size_t>(m.page.size(), 4096), 0);
  if (kbuffer_load_subbuffer(m.kbuf, m.page.data()) < 0) {
    return Status::Error("detector: unreadable ring-buffer page from cpu " + std::to_string(cpu));
  }
  missed = kbuffer_missed_events(m.kbuf) != 0;
  unsigned long long ts = 0;
  for (void* data = kbuffer_read_event(m.kbuf, &ts); data != nullptr; data = kbuffer_next_event(m.kbuf, &ts)) {
    const int size = kbuffer_event_size(m.kbuf);
    if (size < 8) continue;
    unsigned long long type = 0;
    if (tep_read_number_field(m.common_type, data, &type) != 0) continue;
    const EventFields* ev = nullptr;
    for (const EventFields& e : m.events) {
      if (e.id == static_cast<int>(type)) ev = &e;
    }
    SchedRecord r;
    r.ts = static_cast<int64_t>(ts);
    r.cpu = cpu;
    r.header_pid = static_cast<int32_t>(Field{m.common_pid}.Read(data));
    if (ev == nullptr || static_cast<uint32_t>(size) < ev->min_size) {
      out.push_back(r);  // still names who ran on this CPU
      continue;
    }
    r.kind = ev->kind;
    if (ev->kind == SchedRecord::Kind::kSwitch) {
      r.pid = static_cast<int32_t>(ev->prev_pid.Read(data));
      r.prio = static_cast<int32_t>(ev->prev_prio.Read(data));
      r.prev_runnable = StaysRunnable(static_cast<uint16_t>(ev->prev_state.Read(data)));
      r.next_pid = static_cast<int32_t>(ev->next_pid.Read(data));
      r.next_prio = static_cast<int32_t>(ev->next_prio.Read(data));
      ev->prev_comm.ReadComm(data, static_cast<uint32_t>(size), r.comm);
      ev->next_comm.ReadComm(data, static_cast<uint32_t>(size), r.next_comm);
    } else {
      r.pid = static_cast<int32_t>(ev->pid.Read(data));
      r.prio = static_cast<int32_t>(ev->prio.Read(data));
      r.target_cpu = static_cast<int32_t>(ev->target_cpu.Read(data));
      ev->comm.ReadComm(data, static_cast<uint32_t>(size), r.comm);
    }
    out.push_back(r);
  }
  return Status::Ok();
}

}  // namespace kstarve::guard
