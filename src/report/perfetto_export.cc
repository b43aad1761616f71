#include "report/perfetto_export.h"

#include <nlohmann/json.hpp>
#include <string>

namespace kstarve {

namespace {

// Chrome JSON wants microseconds; three decimals keep nanoseconds.
std::string Us(int64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000), static_cast<long long>(ns % 1000));
  return buf;
}

// A JSON string; comms are arbitrary bytes, so invalid UTF-8 becomes U+FFFD.
std::string Quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

PerfettoExporter::PerfettoExporter(std::ostream& out, const ThreadTracker* names_from, const StringInterner& strings,
                                   std::unordered_set<int32_t> victims)
    : out_(out), tracker_(names_from), strings_(strings), victims_(std::move(victims)) {
  Begin();
}

PerfettoExporter::~PerfettoExporter() {
  Finish();
}

void PerfettoExporter::Begin() {
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
}

void PerfettoExporter::Separator() {
  if (!first_) out_ << ",\n";
  first_ = false;
}

std::string PerfettoExporter::Comm(int32_t pid) const {
  if (pid == 0) return "<idle>";
  const ThreadInfo* t = tracker_ != nullptr ? tracker_->Find(pid) : nullptr;
  std::string_view c = t != nullptr ? strings_.Get(t->comm) : std::string_view();
  return c.empty() ? "<...>" : std::string(c);
}

void PerfettoExporter::OnRun(const RunSlice& r) {
  if (r.pid == 0) return;  // idle: leave the track empty
  cpus_.insert(r.cpu);
  Separator();
  out_ << "{\"ph\":\"X\",\"pid\":" << kCpuProcess << ",\"tid\":" << kCpuTrackTidBase + r.cpu
       << ",\"ts\":" << Us(r.start) << ",\"dur\":" << Us(r.end - r.start)
       << ",\"name\":" << Quoted(Comm(r.pid) + " " + std::to_string(r.pid)) << ",\"args\":{\"pid\":" << r.pid << "}}";
}

void PerfettoExporter::OnWake(const WakeRecord& w) {
  if (victims_.empty() || victims_.count(w.wakee)) pending_wakes_[w.wakee] = w;
}

void PerfettoExporter::OnWait(const WaitRecord& w) {
  if (!victims_.empty() && !victims_.count(w.pid)) return;
  victim_tracks_.insert(w.pid);
  std::string held = w.held->empty() ? "nothing traced" : Comm((*w.held)[0].pid);
  Separator();
  out_ << "{\"ph\":\"X\",\"pid\":" << kWaitProcess << ",\"tid\":" << w.pid << ",\"ts\":" << Us(w.start)
       << ",\"dur\":" << Us(w.end - w.start) << ",\"name\":\"runnable, waiting\",\"args\":{\"cpu\":" << w.cpu
       << ",\"held_by\":" << Quoted(held) << ",\"irq_us\":" << Us(w.irq_ns) << ",\"softirq_us\":" << Us(w.softirq_ns)
       << "}}";
  auto it = pending_wakes_.find(w.pid);
  if (it != pending_wakes_.end() && it->second.ts == w.start && it->second.waker > 0) {
    const WakeRecord& k = it->second;
    uint64_t id = next_flow_++;
    Separator();
    out_ << "{\"ph\":\"s\",\"id\":" << id << ",\"pid\":" << kCpuProcess << ",\"tid\":" << kCpuTrackTidBase + k.cpu
         << ",\"ts\":" << Us(k.ts) << ",\"name\":\"wakeup\",\"cat\":\"wakeup\"},\n";
    out_ << "{\"ph\":\"f\",\"bp\":\"e\",\"id\":" << id << ",\"pid\":" << kWaitProcess << ",\"tid\":" << w.pid
         << ",\"ts\":" << Us(w.start) << ",\"name\":\"wakeup\",\"cat\":\"wakeup\"}";
  }
  if (it != pending_wakes_.end()) pending_wakes_.erase(it);
}

void PerfettoExporter::Finish() {
  if (finished_) return;
  finished_ = true;
  auto meta = [&](int64_t pid, int64_t tid, const char* what, const std::string& name) {
    Separator();
    out_ << "{\"ph\":\"M\",\"pid\":" << pid << ",\"tid\":" << tid << ",\"name\":\"" << what
         << "\",\"args\":{\"name\":" << Quoted(name) << "}}";
  };
  meta(kCpuProcess, kCpuProcess, "process_name", "CPUs");
  meta(kWaitProcess, kWaitProcess, "process_name", "Waiting threads (kstarve)");
  for (int32_t cpu : cpus_) {
    meta(kCpuProcess, kCpuTrackTidBase + cpu, "thread_name", "CPU " + std::to_string(cpu));
    Separator();
    out_ << "{\"ph\":\"M\",\"pid\":" << kCpuProcess << ",\"tid\":" << kCpuTrackTidBase + cpu
         << ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" << cpu << "}}";
  }
  for (int32_t pid : victim_tracks_) meta(kWaitProcess, pid, "thread_name", Comm(pid) + " " + std::to_string(pid));
  out_ << "\n]}\n";
}

}  // namespace kstarve
