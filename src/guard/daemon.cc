#include "guard/daemon.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "guard/engine.h"
#include "guard/journal.h"
#include "guard/live/live_host.h"
#include "guard/live/proc_connector.h"
#include "guard/log.h"
#include "guard/metrics.h"
#include "guard/rules.h"
#include "guard/status.h"

namespace kstarve::guard {

namespace {

int64_t Ns(double seconds) {
  return static_cast<int64_t>(std::llround(seconds * 1e9));
}

// ", BPF programs: 1234 ms in 5678 runs (217 ns per run, 0.41 % of one CPU)"
// for the line at stop; "" without figures.
std::string DescribeCost(const DetectorCost& cost, int64_t elapsed_ns) {
  if (!cost.available) return "";
  const auto ns = static_cast<double>(cost.run_time_ns());
  const uint64_t runs = cost.runs();
  char buf[160];
  std::snprintf(buf, sizeof buf, ", BPF programs: %.1f ms in %llu runs (%.0f ns per run, %.3f %% of one CPU)", ns / 1e6,
                static_cast<unsigned long long>(runs), runs > 0 ? ns / static_cast<double>(runs) : 0.0,
                elapsed_ns > 0 ? ns / static_cast<double>(elapsed_ns) * 100 : 0.0);
  return buf;
}

int64_t UnixNow() {
  return static_cast<int64_t>(std::time(nullptr));
}

// Restores the previous run's journal, if that run is not alive any more.
bool RecoverCrashedRun(const std::string& dir, Host& host, const LogSink& log, Metrics* metrics) {
  Result<RestoreSummary> r = RestoreJournal(dir, host, log, metrics);
  if (!r.ok()) {
    log(LogLevel::kError, "cannot restore the journal of a previous run: " + r.status().message());
    return false;
  }
  const RestoreSummary& s = *r;
  if (s.restored + s.gone + s.reused + s.failed > 0) {
    log(LogLevel::kNotice, "previous run did not exit cleanly: restored " + std::to_string(s.restored) + " threads (" +
                               std::to_string(s.gone) + " gone, " + std::to_string(s.reused) + " pids reused, " +
                               std::to_string(s.failed) + " failed)");
  }
  return s.failed == 0;
}

Status RaiseSelf(int priority) {
  SchedAttrs a;
  a.policy = Policy::kFifo;
  a.rt_priority = priority;
  return SetSchedAttrs(0, a);
}

// SIGHUP: read the rules file again and apply it to every thread (threads
// the old rules held and the new ones do not are restored). A file that no
// longer loads leaves the running rules in place. The [guard] table sizes
// the detector and the budget at start, so its changes wait for a restart.
void ReloadRules(const DaemonOptions& options, std::optional<RuleSet>& rules, Engine& engine, Metrics& metrics,
                 const LogSink& log) {
  if (!rules) {
    log(LogLevel::kWarning, "SIGHUP: started without --rules, nothing to reload");
    return;
  }
  RuleParseOptions parse;
  parse.force = options.force;
  Result<RuleSet> loaded = LoadRulesFile(options.rules_path, parse);
  if (!loaded.ok()) {
    log(LogLevel::kError, "SIGHUP: keeping the rules in use: " + loaded.status().message());
    ++metrics.actions["reload-failed"];
    return;
  }
  *rules = std::move(*loaded);  // in place: the engine holds a pointer to it
  engine.Rescan();
  ++metrics.actions["reload"];
  log(LogLevel::kNotice, "SIGHUP: reloaded " + options.rules_path + ": " + std::to_string(rules->rules.size()) +
                             " rules, " + std::to_string(metrics.threads_matched) +
                             " threads matched ([guard] settings take effect at the next start)");
}

}  // namespace

int RunGuardDaemon(const DaemonOptions& options, const DetectorFactory& make_detector, std::ostream& err) {
  const LineLogger logger(stderr, StderrIsJournal(), options.verbose);
  const LogSink log = logger.Sink();
  LiveHost host;
  const ThreadId self = SelfId();
  const std::string& dir = options.journal_dir;

  if (const int32_t other = LiveGuardPid(dir, host); other != 0 && other != self.pid) {
    err << "kstarve guard: another guard is running (pid " << other << ", " << dir << "/guard.pid)\n";
    return 1;
  }
  if (options.restore_only) {
    return RecoverCrashedRun(dir, host, log, nullptr) ? 0 : 1;
  }

  std::optional<RuleSet> rules;
  if (!options.rules_path.empty()) {
    RuleParseOptions parse;
    parse.force = options.force;
    Result<RuleSet> loaded = LoadRulesFile(options.rules_path, parse);
    if (!loaded.ok()) {
      err << "kstarve guard: " << loaded.status().message() << "\n";
      return 1;
    }
    rules = std::move(*loaded);
  }
  if (!rules && !options.auto_mode) {
    err << "kstarve guard: nothing to do: give --rules FILE, --auto, or both\n";
    return 2;
  }

  Metrics metrics;
  if (!options.dry_run) RecoverCrashedRun(dir, host, log, &metrics);
  std::unique_ptr<Journal> journal;
  if (!options.dry_run) {
    Result<std::unique_ptr<Journal>> j = Journal::Open(dir, options.journal_fsync);
    if (!j.ok()) {
      err << "kstarve guard: " << j.status().message() << "\n";
      return 1;
    }
    journal = std::move(*j);
    if (Status s = WritePidFile(dir, self); !s.ok()) log(LogLevel::kWarning, s.message());
  }

  // Signals arrive through the loop, never asynchronously.
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&mask, sig);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

  // Above every boost and auto step (capped at 89), so nothing the guard gives can starve it.
  if (options.self_priority > 0) {
    if (Status s = RaiseSelf(options.self_priority); !s.ok()) {
      log(LogLevel::kWarning, "the guard runs without RT priority (its boosts could delay it): " + s.message());
    }
  }

  std::unique_ptr<ProcConnector> connector;
  if (Result<std::unique_ptr<ProcConnector>> c = ProcConnector::Open(); c.ok()) {
    connector = std::move(*c);
  } else {
    log(LogLevel::kWarning, c.status().message() + "; new threads are found by the /proc scan only");
  }

  std::unique_ptr<Detector> detector;
  std::unique_ptr<MetricsServer> server;
  if (!options.metrics.empty() && options.metrics != "off") {
    server = std::make_unique<MetricsServer>([&metrics, &detector] {
      // The BPF figures are read from the kernel per scrape, not per poll.
      if (detector) metrics.detector_cost = detector->Cost();
      return RenderPrometheus(metrics);
    });
    if (Status s = server->Listen(options.metrics); !s.ok()) {
      err << "kstarve guard: " << s.message() << "\n";
      if (journal) RemovePidFile(dir);
      return 1;
    }
  }

  EngineOptions eo;
  eo.dry_run = options.dry_run;
  eo.auto_mode = options.auto_mode;
  eo.auto_match = options.auto_match;
  eo.self_tgid = self.pid;
  // The [guard] table of the rules file (defaults without one).
  const GuardSettings settings = rules ? rules->guard : GuardSettings{};
  eo.boost_ns = settings.boost_duration_ns;
  eo.boost_priority = settings.boost_priority;
  eo.boost_deadline = settings.boost_policy == Policy::kDeadline;
  eo.boost_dl_runtime_ns = settings.boost_runtime_ns;
  eo.boost_dl_period_ns = settings.boost_period_ns;
  eo.budget_share = settings.boost_budget;
  eo.escalate_reports = settings.auto_reports;
  eo.escalate_window_ns = settings.auto_window_ns;
  eo.quiet_ns = settings.auto_quiet_ns;
  eo.min_dwell_ns = settings.auto_hold_ns;
  Engine engine(host, journal.get(), rules ? &*rules : nullptr, eo, log, metrics);

  int64_t detector_poll_ns = 0;
  if (options.auto_mode) {
    DetectorOptions dopt = settings.detector;
    if (options.long_wait_ms > 0) dopt.long_wait_ns = Ns(options.long_wait_ms / 1e3);
    // Every wait is seen at the first poll after it starts; the detector then
    // asks for a poll at the moment it crosses long_wait (NextPollNs, at most
    // 1 ms late). So an interval as long as the threshold still reports every
    // long wait within ~1 ms of crossing (boost ≤ ~22 ms after the wait
    // began with the default 20 ms), with a quarter of the wakeups of the
    // old long_wait/4: the wakeups are most of the guard's idle cost.
    detector_poll_ns =
        dopt.poll_interval_ns > 0 ? dopt.poll_interval_ns : std::min<int64_t>(dopt.long_wait_ns, 20'000'000);
    dopt.poll_interval_ns = detector_poll_ns;
    Result<std::unique_ptr<Detector>> d = make_detector(options.detector, dopt);
    Status started = d.ok() ? (*d)->Start() : d.status();
    if (started.ok()) {
      detector = std::move(*d);
      const std::string how =
          detector->PollFd() >= 0
              ? "woken by the kernel when a wait crosses it"
              : "polls every " + std::to_string(static_cast<double>(detector_poll_ns) / 1e6) + " ms";
      log(LogLevel::kInfo, "detector: " + std::string(detector->Backend()) + ", long waits from " +
                               std::to_string(static_cast<double>(dopt.long_wait_ns) / 1e6) + " ms, " + how);
      if (const DetectorCost cost = detector->Cost(); !cost.available && !cost.note.empty()) {
        log(LogLevel::kWarning, cost.note + ": the detector's in-kernel cost is not counted");
      }
    } else {
      log(LogLevel::kError, "no starvation detector (--auto boosts nothing): " + started.message());
    }
  }

  engine.Rescan();
  log(LogLevel::kNotice,
      "started pid " + std::to_string(self.pid) + (rules ? ", rules " + rules->file : std::string(", no rules")) +
          (options.auto_mode ? ", auto" : "") + (options.dry_run ? ", dry-run" : "") +
          (server ? ", metrics on " + options.metrics + " (port " + std::to_string(server->port()) + ")" : "") + ", " +
          std::to_string(metrics.threads_matched) + " threads matched");

  GuardState state;
  state.pid = self.pid;
  state.start_time = self.start_time;
  state.started_unix = UnixNow();
  state.rules = rules ? rules->file : "";
  state.auto_mode = options.auto_mode;
  state.dry_run = options.dry_run;
  state.detector = detector ? std::string(detector->Backend()) : "";
  state.metrics = server ? options.metrics : "";
  auto write_state = [&] {
    state.updated_unix = UnixNow();
    state.now_ns = host.NowNs();
    state.threads = engine.Threads();
    state.auto_steps = engine.AutoSteps();
    state.threads_matched = metrics.threads_matched;
    state.active_boosts = metrics.active_boosts;
    state.boosts = metrics.boosts;
    state.restores = metrics.restores;
    if (detector) state.detector_cost = detector->Cost();
    if (Status s = WriteStateFile(dir + "/state.json", state); !s.ok()) log(LogLevel::kDebug, s.message());
  };
  // Checked every second, written when what `status` shows changed, and at
  // least every 10 s (updated_unix, the detector's cost): an idle guard
  // rewrote an unchanged file every second before.
  std::string last_state_key;
  int64_t last_state_write = 0;
  auto maybe_write_state = [&](int64_t now) {
    std::string key = StateChangeKey(engine.Threads(), engine.AutoSteps(), metrics);
    if (key == last_state_key && now - last_state_write < 10'000'000'000) return;
    write_state();
    last_state_key = std::move(key);
    last_state_write = now;
  };
  const bool keep_state = journal != nullptr || access(dir.c_str(), W_OK) == 0;

  const int64_t start = host.NowNs();
  const int64_t end = options.duration_s > 0 ? start + Ns(options.duration_s) : INT64_MAX;
  const int64_t scan_every = std::max<int64_t>(Ns(options.scan_interval_s), 10'000'000);
  int64_t next_scan = start + scan_every;
  int64_t next_state = start;
  int64_t next_boost_end = INT64_MAX;
  std::string stop_reason = "duration ended";
  std::vector<pollfd> fds;
  for (;;) {
    int64_t now = host.NowNs();
    if (now >= end) break;
    if (keep_state && now >= next_state) {
      maybe_write_state(now);
      next_state = now + 1'000'000'000;
    }
    int64_t wake = std::min({end, next_scan, next_boost_end, next_state});
    if (detector) {
      const int64_t due = detector->NextPollNs();
      wake = std::min(wake, due > 0 ? due : now + detector_poll_ns);
    }
    // ppoll, in ns: poll(2)'s milliseconds rounded every wake up to a whole ms.
    const int64_t timeout_ns = std::clamp<int64_t>(wake - now, 0, 60'000'000'000);
    const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000),
                           static_cast<long>(timeout_ns % 1'000'000'000)};

    fds.clear();
    fds.push_back({sfd, POLLIN, 0});
    if (connector) fds.push_back({connector->fd(), POLLIN, 0});
    if (server) server->AppendPollFds(fds);
    // Readable when the detector has a long wait to report (BPF scan timer);
    // Poll below runs on every wakeup, so its revents need no check.
    if (detector && detector->PollFd() >= 0) fds.push_back({detector->PollFd(), POLLIN, 0});
    if (ppoll(fds.data(), fds.size(), &timeout, nullptr) < 0 && errno != EINTR) {
      log(LogLevel::kError, std::string("ppoll: ") + std::strerror(errno));
      stop_reason = "error";
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo si{};
      if (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        if (si.ssi_signo != SIGHUP) {
          stop_reason = std::string("signal ") + sigabbrev_np(static_cast<int>(si.ssi_signo));
          break;
        }
        ReloadRules(options, rules, engine, metrics, log);
      }
    }
    if (connector && (fds[1].revents & POLLIN) != 0) {
      Status s = connector->Drain([&](const ProcEvent& ev) {
        switch (ev.kind) {
          case ProcEvent::Kind::kFork: engine.OnNewThread(ev.pid, ev.timestamp_ns); break;
          case ProcEvent::Kind::kExec:
          case ProcEvent::Kind::kComm: engine.OnChanged(ev.pid); break;
          case ProcEvent::Kind::kExit: engine.OnExit(ev.pid); break;
        }
      });
      if (!s.ok()) {
        log(LogLevel::kWarning, s.message() + "; rescanning /proc");
        next_scan = 0;
      }
    }
    now = host.NowNs();
    if (server) server->HandlePoll(fds, now);
    if (detector) {
      if (Status s = detector->Poll([&](const Starvation& st) { engine.OnStarvation(st); }); !s.ok()) {
        log(LogLevel::kError, "detector: " + s.message());
      }
    }
    next_boost_end = engine.Tick();
    if (host.NowNs() >= next_scan) {
      engine.Rescan();
      next_scan = host.NowNs() + scan_every;
    }
  }

  std::string detector_cost;
  if (detector) {
    detector_cost = DescribeCost(detector->Cost(), host.NowNs() - start);
    detector->Stop();
  }
  engine.RestoreAll();
  if (journal) {
    // Everything is back: the journal has nothing left to protect.
    if (Status s = journal->Compact({}); !s.ok()) log(LogLevel::kWarning, s.message());
    RemovePidFile(dir);
  }
  if (keep_state) unlink((dir + "/state.json").c_str());
  if (sfd >= 0) close(sfd);
  sigprocmask(SIG_UNBLOCK, &mask, nullptr);
  log(LogLevel::kNotice, "stopped (" + stop_reason + "): " + std::to_string(metrics.boosts) + " boosts, " +
                             std::to_string(metrics.restores) + " restores" + detector_cost);
  return 0;
}

}  // namespace kstarve::guard
