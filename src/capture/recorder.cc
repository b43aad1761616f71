#include "capture/recorder.h"

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>

#include "capture/child_process.h"
#include "capture/raw_capture.h"
#include "capture/signal_pipe.h"
#include "capture/trace_dat_writer.h"
#include "capture/tracefs_session.h"
#include "context/file_text.h"
#include "context/snapshot.h"

namespace kstarve {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// "overrun: 12" and "dropped events: 3" from per_cpu/cpuN/stats.
uint64_t StatValue(const std::string& stats, const std::string& key) {
  const std::string prefix = key + ":";
  size_t at = 0;
  while ((at = stats.find(prefix, at)) != std::string::npos) {
    if (at == 0 || stats[at - 1] == '\n') {
      size_t v = at + prefix.size();
      while (v < stats.size() && stats[v] == ' ') ++v;
      uint64_t n = 0;
      std::from_chars(stats.data() + v, stats.data() + stats.size(), n);
      return n;
    }
    at += prefix.size();
  }
  return 0;
}

int EventId(const std::string& tracing_dir, const std::string& system, const std::string& event) {
  std::string text;
  if (ReadFileText(tracing_dir + "/events/" + system + "/" + event + "/id", text) != 0) return -1;
  int id = -1;
  std::from_chars(text.data(), text.data() + text.size(), id);
  return id;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Error(path + ": cannot write");
  return Status::Ok();
}

std::optional<ContextSnapshot> TakeContext(std::ostream& log) {
  Result<ContextSnapshot> c = CollectContext();
  if (!c.ok()) {
    log << "kstarve record: warning: no context snapshot: " << c.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(c.value());
}

// Waits for a command that outlives the recording, passing on signals
// sent to kstarve by other processes.
int WaitForChild(ChildProcess& child, SignalPipe& signals) {
  while (!child.Poll()) {
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {child.fd(), POLLIN, 0}};
    ::poll(fds, child.fd() >= 0 ? 2 : 1, 100);
    for (const CaughtSignal& s : signals.Take()) {
      if (s.from_process) child.Signal(s.signal);
    }
  }
  return *child.Poll();
}

struct CpuTimeMs {
  double user = 0;
  double system = 0;
};

CpuTimeMs OwnCpuTime() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return {ms(ru.ru_utime), ms(ru.ru_stime)};
}

}  // namespace

uint64_t RecordSummary::lost() const {
  uint64_t n = 0;
  for (const CpuRecordStats& c : cpus) n += c.overrun + c.dropped;
  return n;
}

Result<RecordSummary> Record(const RecordOptions& options, std::ostream& log) {
  const Clock::time_point setup_start = Clock::now();
  RecordSummary summary;
  SignalPipe signals;
  if (!signals.ok()) return Status::Error("cannot create the signal pipe");

  SessionOptions so;
  so.instance_name = "kstarve-" + std::to_string(::getpid());
  so.buffer_kb = options.buffer_kb;
  so.clock = options.clock;
  so.events = options.events.empty() ? DefaultRecordEvents() : options.events;
  if (options.workqueue && std::find(so.events.begin(), so.events.end(), WorkqueueRecordEvent()) == so.events.end()) {
    so.events.emplace_back(WorkqueueRecordEvent());
  }
  Result<std::unique_ptr<TracefsSession>> opened = TracefsSession::Open(so, log);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<TracefsSession> session = std::move(opened.value());

  std::optional<ContextSnapshot> context;
  size_t context_threads = 0;
  if (options.context) {
    const Clock::time_point t = Clock::now();
    context = TakeContext(log);
    summary.context_ms = MsSince(t);
    if (context) context_threads = context->threads.size();
  }
  Result<std::unique_ptr<RawCapture>> cap = RawCapture::Open(session->instance(), session->cpus(), options.output);
  if (!cap.ok()) return cap.status();
  std::unique_ptr<RawCapture> capture = std::move(cap.value());

  // A signal during setup: nothing was recorded, undo and report it.
  for (const CaughtSignal& s : signals.Take()) {
    log << "kstarve record: interrupted (signal " << s.signal << ") before recording started\n";
    summary.exit_status = ExitStatusForSignal(s.signal);
    return summary;
  }
  if (Status s = session->TracingOn(); !s.ok()) return s;
  summary.setup_ms = MsSince(setup_start);
  const Clock::time_point started = Clock::now();
  const CpuTimeMs cpu_at_start = OwnCpuTime();

  std::optional<ChildProcess> child;
  if (!options.command.empty()) {
    Result<ChildProcess> c = ChildProcess::Start(options.command);
    if (!c.ok()) return c.status();
    child.emplace(std::move(c.value()));
  }
  const bool timed = !child || options.duration_given;
  const Clock::time_point deadline =
      started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration_s));

  Clock::time_point next_progress = started + std::chrono::seconds(1);
  bool stop = false;
  Status failure;
  while (!stop) {
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {child ? child->fd() : -1, POLLIN, 0}};
    int timeout = options.poll_ms;
    if (timed) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      timeout = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(timeout, left)));
    }
    ::poll(fds, child && child->fd() >= 0 ? 2 : 1, timeout);
    if (Status s = capture->Poll(); !s.ok()) {
      failure = s;
      break;
    }
    for (const CaughtSignal& s : signals.Take()) {
      stop = true;
      // The terminal sends ^C to the whole foreground group, the command
      // included; a kill() reached only us, so pass it on.
      if (child && s.from_process) child->Signal(s.signal);
    }
    if (child && child->Poll()) stop = true;
    if (timed && Clock::now() >= deadline) stop = true;
    if (options.progress && Clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(1);
      uint64_t lost_pages = 0;
      for (const CpuCaptureStats& c : capture->stats()) lost_pages += c.missed_events;
      std::fprintf(stderr, "\rkstarve record: %.0f s, %.1f MB, %llu events lost ",
                   std::chrono::duration<double>(Clock::now() - started).count(),
                   static_cast<double>(capture->total_bytes()) / (1 << 20),
                   static_cast<unsigned long long>(lost_pages));
    }
  }
  session->TracingOff();
  const CpuTimeMs cpu_at_stop = OwnCpuTime();
  summary.cpu_user_ms = cpu_at_stop.user - cpu_at_start.user;
  summary.cpu_system_ms = cpu_at_stop.system - cpu_at_start.system;
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  if (!failure.ok()) return failure;
  if (Status s = capture->Drain(); !s.ok()) return s;

  TraceDatInput input;
  input.cpu_files = capture->files();
  input.trace_clock = session->ReadFile("trace_clock");
  for (int cpu = 0; cpu < session->cpus(); ++cpu) {
    const std::string stats = session->ReadFile("per_cpu/cpu" + std::to_string(cpu) + "/stats");
    input.cpu_stats.push_back(stats);
    CpuRecordStats c;
    const CpuCaptureStats& cs = capture->stats()[static_cast<size_t>(cpu)];
    c.records = cs.records;
    c.pages_with_missed = cs.pages_with_missed;
    c.missed_in_pages = cs.missed_events;
    c.overrun = StatValue(stats, "overrun");
    c.dropped = StatValue(stats, "dropped events");
    summary.cpus.push_back(c);
  }
  summary.records = capture->total_records();
  summary.bytes = capture->total_bytes();
  summary.sched_switch = capture->records_of_type(EventId(session->tracing_dir(), "sched", "sched_switch"));

  if (context) {
    if (std::optional<ContextSnapshot> end = TakeContext(log)) MergeContext(*context, *end);
    if (Status s = WriteText(ContextPathFor(options.output), ContextToJson(*context)); !s.ok()) {
      log << "kstarve record: warning: " << s.message() << "\n";
    }
  }
  const Clock::time_point write_start = Clock::now();
  if (Status s = WriteTraceDat(options.output, input); !s.ok()) return s;
  summary.write_ms = MsSince(write_start);
  summary.wrote_trace = true;
  capture.reset();  // removes the temporary files
  session.reset();  // removes the instance (and unmounts tracefs if we mounted it)

  log << "kstarve record: wrote " << options.output << ": " << summary.records << " events (" << summary.sched_switch
      << " sched_switch) in " << static_cast<int64_t>(summary.seconds * 1000) / 1000.0 << " s, "
      << (summary.bytes >> 10) << " KiB";
  if (context) log << "; context in " << ContextPathFor(options.output);
  log << "\n";
  if (options.verbose) {
    log << "kstarve record: setup " << summary.setup_ms << " ms (context snapshot " << summary.context_ms << " ms, "
        << context_threads << " threads), writing " << summary.write_ms << " ms\n";
    log << "kstarve record: CPU while recording: " << summary.cpu_user_ms << " ms user, " << summary.cpu_system_ms
        << " ms system (" << (summary.cpu_user_ms + summary.cpu_system_ms) / (summary.seconds * 10)
        << " % of one CPU)\n";
  }
  for (size_t cpu = 0; cpu < summary.cpus.size(); ++cpu) {
    const CpuRecordStats& c = summary.cpus[cpu];
    if (c.overrun + c.dropped + c.pages_with_missed == 0) continue;
    log << "kstarve record: CPU " << cpu << ": events lost: " << c.overrun << " overwritten, " << c.dropped
        << " dropped (" << c.pages_with_missed << " gaps in the trace); try a larger --buffer-kb\n";
  }
  if (child) summary.exit_status = WaitForChild(*child, signals);
  return summary;
}

}  // namespace kstarve
