// The guard's state file (JOURNAL_DIR/state.json), written by the daemon
// about once a second, and `kstarve guard status`, which reads it.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "guard/engine.h"
#include "guard/metrics.h"

namespace kstarve::guard {

struct GuardState {
  int32_t pid = 0;
  uint64_t start_time = 0;   // of the guard process, to tell a stale file from a live guard
  int64_t started_unix = 0;  // seconds
  int64_t updated_unix = 0;
  std::string rules;  // file, "" if none
  bool auto_mode = false, dry_run = false;
  std::string detector;  // backend, "" if none
  std::string metrics;   // HOST:PORT, "" if off
  std::vector<Engine::ThreadState> threads;
  std::map<std::string, int> auto_steps;
  int64_t now_ns = 0;  // CLOCK_MONOTONIC when written (boost ends are relative to it)
  int64_t threads_matched = 0, active_boosts = 0;
  uint64_t boosts = 0, restores = 0;
  DetectorCost detector_cost;  // the detector's in-kernel programs (BPF), if counted
};

std::string StateJson(const GuardState& s);
// What `status` shows, without the clocks and the detector's running cost:
// the daemon rewrites the file at once when this changes.
std::string StateChangeKey(const std::vector<Engine::ThreadState>& threads, const std::map<std::string, int>& steps,
                           const Metrics& m);
// Writes atomically (temp file and rename) so readers never see half a file.
Status WriteStateFile(const std::string& path, const GuardState& s);

// `kstarve guard status`: prints whether a guard runs (pid file and start
// time), its rules, matched threads, active boosts and auto steps. Returns
// the exit code: 0 running, 3 not running (like systemctl status), 1 on errors.
int RunGuardStatus(const std::string& journal_dir, bool json, std::ostream& out, std::ostream& err);

}  // namespace kstarve::guard
