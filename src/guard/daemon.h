// `kstarve guard`: the daemon loop. One thread, one poll(2) over a signalfd,
// the proc connector, the metrics server and a timeout that serves the
// detector's poll interval, boost expiries, the /proc safety-net scan and the
// state file. The loop runs SCHED_FIFO above every priority it ever gives
// (boosts and auto steps are capped at 89), so its boosts cannot starve it;
// it sleeps in poll() nearly all the time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "base/status.h"
#include "guard/rules.h"
#include "guard/starvation.h"

namespace kstarve::guard {

struct DaemonOptions {
  std::string rules_path;  // "" : no standing rules
  bool auto_mode = false;
  std::string auto_match;  // --auto acts only on threads whose comm or process matches (glob)
  bool dry_run = false;
  bool force = false;
  bool restore_only = false;               // --restore: put a crashed run's threads back and exit
  std::string metrics = "127.0.0.1:9477";  // "" or "off": no metrics server
  std::string journal_dir = "/run/kstarve";
  std::string detector = "auto";  // bpf, tracefs, auto
  double long_wait_ms = 0;        // > 0 overrides the rules file's [guard] long_wait_ms
  double duration_s = 0;          // 0: until a signal
  double scan_interval_s = 1;     // /proc safety-net scan
  int self_priority = 99;         // SCHED_FIFO priority of the guard itself; 0: leave as is
  bool journal_fsync = false;     // fdatasync each journal line (see journal.h for why it is off)
  bool verbose = false;
};

using DetectorFactory =
    std::function<Result<std::unique_ptr<Detector>>(const std::string& backend, const DetectorOptions& options)>;

// Runs the guard until a signal (SIGINT/SIGTERM/SIGHUP) or the duration ends;
// restores every thread it changed before returning. Returns the exit code.
int RunGuardDaemon(const DaemonOptions& options, const DetectorFactory& make_detector, std::ostream& err);

}  // namespace kstarve::guard
