#include "cli/guard_command.h"

#include <unistd.h>

#include <iostream>

#include "guard/check.h"
#include "guard/detector/make_detector.h"
#include "guard/live/live_host.h"
#include "guard/status.h"

namespace kstarve {

namespace {

Result<std::unique_ptr<guard::Detector>> MakeGuardDetector(const std::string& backend,
                                                           const guard::DetectorOptions& options) {
  std::string note;
  Result<std::unique_ptr<guard::Detector>> d = guard::MakeDetector(backend, options, &note);
  if (d.ok() && !note.empty()) std::cerr << "kstarve-guard: info: " << note << "\n";
  return d;
}

}  // namespace

GuardCommand::GuardCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("guard", "Keep kernel threads from starving: standing rules, boosts, --auto");
  cmd_->description(
      "Keep kernel threads from starving. Standing rules (--rules) give classes of threads\n"
      "(for example the dio kworkers of CPU 1, including kworkers created later) fixed\n"
      "scheduling attributes; --auto watches for starvation and boosts the waiting thread\n"
      "(SCHED_FIFO for a bounded time, within a budget) and escalates classes that keep\n"
      "starving. Every original attribute is journaled under --journal-dir before it is\n"
      "changed and restored on exit, on SIGTERM/SIGINT, and at the next start after a crash.\n"
      "SIGHUP reloads --rules (a file that does not load leaves the running rules in place).\n"
      "Logs go to standard error (journald priorities under systemd). See docs/guard.md.\n\n"
      "Exit status: 0 after a clean stop, 1 on errors, 2 on usage errors.");
  cmd_->add_option("--rules", options_.rules_path, "Standing rules (TOML; owned by root, not group/other-writable)");
  cmd_->add_flag("--auto", options_.auto_mode, "Boost starving threads and escalate classes that keep starving");
  cmd_->add_option("--auto-match", options_.auto_match,
                   "--auto acts only on threads whose comm or process matches this glob (e.g. 'k*')");
  cmd_->add_flag("--dry-run", options_.dry_run, "Log what would be done; change nothing, journal nothing");
  cmd_->add_option("--metrics", options_.metrics, "Serve Prometheus metrics on HOST:PORT (off: none)")
      ->capture_default_str();
  cmd_->add_option("--check", check_, "Validate a rules file, explain it and list the threads it matches now");
  cmd_->add_flag("--force", options_.force, "Allow FIFO/RR >= 90 and rules that match every thread");
  cmd_->add_flag("--restore", options_.restore_only,
                 "Only restore the threads a crashed guard left changed (from the journal) and exit");
  cmd_->add_option("--journal-dir", options_.journal_dir, "Journal, pid file and state file")->capture_default_str();
  cmd_->add_flag("--journal-fsync", options_.journal_fsync,
                 "fdatasync every journal line (slow on a busy disk; a journal in the page cache already survives "
                 "any death of the guard)");
  cmd_->add_option("--long-wait-ms", options_.long_wait_ms,
                   "Report a wait as starvation once it is this long (default: the rules file's, else 20)")
      ->check(CLI::Range(1.0, 60000.0));
  cmd_->add_option("--detector", options_.detector, "Starvation detector backend")
      ->check(CLI::IsMember({"bpf", "tracefs", "auto"}))
      ->capture_default_str();
  cmd_->add_option("--duration", options_.duration_s, "Stop after this many seconds (0: run until a signal)")
      ->check(CLI::Range(0.0, 1e9));
  cmd_->add_option("--scan-interval", options_.scan_interval_s, "Seconds between safety-net scans of /proc")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  cmd_->add_option("--self-priority", options_.self_priority,
                   "SCHED_FIFO priority of the guard itself, above every boost (0: leave it)")
      ->check(CLI::Range(0, 99))
      ->capture_default_str();
  cmd_->add_flag("-v,--verbose", options_.verbose, "Also log debug lines");
  status_ = cmd_->add_subcommand("status", "Show whether a guard runs and what it holds");
  status_->add_option("--journal-dir", options_.journal_dir, "Where the guard keeps its state")->capture_default_str();
  status_->add_flag("--json", status_json_, "Print the state file as JSON");
}

int GuardCommand::Run() {
  if (status_->parsed()) return guard::RunGuardStatus(options_.journal_dir, status_json_, std::cout, std::cerr);
  if (!check_.empty()) {
    guard::LiveHost host;
    return guard::RunGuardCheck(check_, options_.force, &host, std::cout, std::cerr);
  }
  if (geteuid() != 0 && !options_.dry_run) {
    std::cerr << "kstarve guard: changing other threads' scheduling needs root (CAP_SYS_NICE); try --dry-run\n";
  }
  return guard::RunGuardDaemon(options_, MakeGuardDetector, std::cerr);
}

}  // namespace kstarve
