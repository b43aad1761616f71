// Builds events for tests, so a scenario reads like the trace it stands for.
#pragma once

#include <vector>

#include "base/interner.h"
#include "events/event.h"

namespace kstarve::testing {

constexpr int64_t Ms(double ms) {
  return static_cast<int64_t>(ms * 1'000'000);
}

class EventBuilder {
 public:
  StringInterner strings;
  std::vector<Event> events;

  // `header` is the thread running on `cpu` (the record's header).
  EventBuilder& Switch(int64_t ts, int cpu, int prev, const char* prev_comm, int prev_prio, uint16_t prev_state,
                       int next, const char* next_comm, int next_prio) {
    Event e = Base(ts, cpu, prev, prev_comm, EventKind::kSwitch);
    e.tid = prev;
    e.comm = strings.Intern(prev_comm);
    e.prio = static_cast<int16_t>(prev_prio);
    e.state = prev_state;
    e.tid2 = next;
    e.comm2 = strings.Intern(next_comm);
    e.prio2 = static_cast<int16_t>(next_prio);
    events.push_back(e);
    return *this;
  }
  EventBuilder& Waking(int64_t ts, int cpu, int header, const char* header_comm, int pid, const char* comm, int prio,
                       int target_cpu, EventKind kind = EventKind::kWaking) {
    Event e = Base(ts, cpu, header, header_comm, kind);
    e.tid = pid;
    e.comm = strings.Intern(comm);
    e.prio = static_cast<int16_t>(prio);
    e.arg = target_cpu;
    events.push_back(e);
    return *this;
  }
  EventBuilder& Migrate(int64_t ts, int cpu, int header, const char* header_comm, int pid, const char* comm, int prio,
                        int from, int to) {
    Event e = Base(ts, cpu, header, header_comm, EventKind::kMigrate);
    e.tid = pid;
    e.comm = strings.Intern(comm);
    e.prio = static_cast<int16_t>(prio);
    e.arg = to;
    e.arg2 = from;
    events.push_back(e);
    return *this;
  }
  // Any other record on `cpu` whose header names `header` (e.g. a stat event).
  EventBuilder& Other(int64_t ts, int cpu, int header, const char* header_comm, EventKind kind, int arg = -1,
                      uint64_t value = 0, int tid = -1) {
    Event e = Base(ts, cpu, header, header_comm, kind);
    e.arg = arg;
    e.value = value;
    e.tid = tid;
    events.push_back(e);
    return *this;
  }
  EventBuilder& Lost(int64_t ts, int cpu, uint64_t n) {
    Event e;
    e.ts = ts;
    e.cpu = cpu;
    e.kind = EventKind::kLost;
    e.value = n;
    events.push_back(e);
    return *this;
  }
  void Feed(EventSink& sink) const {
    for (const Event& e : events) sink.OnEvent(e);
  }

 private:
  Event Base(int64_t ts, int cpu, int header, const char* header_comm, EventKind kind) {
    Event e;
    e.ts = ts;
    e.cpu = cpu;
    e.pid = header;
    e.pid_comm = strings.Intern(header_comm);
    e.kind = kind;
    return e;
  }
};

}  // namespace kstarve::testing
