#include "cli/doctor_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "capture/recorder.h"
#include "pipeline/analyze_traces.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "report/verdict.h"

namespace kstarve {

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool KernelHasTracefs() {
  std::ifstream in("/proc/filesystems");
  std::string line;
  while (std::getline(in, line)) {
    if (line.ends_with("\ttracefs")) return true;
  }
  return false;
}

// Where tracefs is mounted, if it is: the usual places, as libtracefs looks.
std::string MountedTracefs() {
  std::ifstream in("/proc/mounts");
  std::string dev, dir, type;
  std::string rest;
  while (in >> dev >> dir >> type && std::getline(in, rest)) {
    if (type == "tracefs") return dir;
  }
  return "";
}

}  // namespace

std::vector<std::string> DoctorPrerequisitesMissing() {
  std::vector<std::string> missing;
  if (geteuid() != 0) {
    missing.push_back(
        "root: tracefs and the scheduler's tracepoints are readable by root only (run `sudo kstarve doctor`)");
  }
  if (!KernelHasTracefs()) {
    missing.push_back("tracefs: this kernel has no tracefs (CONFIG_TRACING / CONFIG_FTRACE is off)");
    return missing;
  }
  const std::string dir = MountedTracefs();
  if (dir.empty()) {
    if (geteuid() != 0) {
      missing.push_back(
          "tracefs is not mounted, and only root can mount it (mount -t tracefs nodev /sys/kernel/tracing)");
    }
    return missing;  // root: record mounts it and checks the events itself
  }
  if (!Exists(dir + "/events/sched/sched_switch")) {
    missing.push_back("the sched:sched_switch tracepoint (" + dir + "/events/sched/sched_switch does not exist)");
  }
  if (!Exists(dir + "/events/sched/sched_waking") && !Exists(dir + "/events/sched/sched_wakeup")) {
    missing.push_back("the sched:sched_waking or sched:sched_wakeup tracepoint (neither is in " + dir +
                      "/events/sched)");
  }
  return missing;
}

DoctorCommand::DoctorCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("doctor", "Record this machine for a few seconds and say who starved, and why");
  cmd_->description(
      "Record this machine for a few seconds (as `kstarve record` does: scheduler and IRQ events,\n"
      "work items too with --workqueue, from tracefs's raw ring buffers, plus a context snapshot of\n"
      "policies, nice values and cgroup weights), then report with a short verdict first: which threads starved, "
      "behind whom,\n"
      "why the scheduler preferred them, and what to do. Kernel threads are listed first.\n\n"
      "Needs root and tracefs; without them it says exactly what is missing. Tracing is set up in its\n"
      "own tracefs instance and removed again, also on SIGINT/SIGTERM.\n"
      "Exit status: 0 after a diagnosis (whatever it found), 1 if it cannot record, 2 on usage errors.");
  cmd_->add_option("-d,--duration", duration_s_, "Seconds to record")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd_->add_option("--format", format_, "Output: text (verdict, table, findings) or json (kstarve.report/1 + verdict)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd_->add_flag("--workqueue", workqueue_,
                 "Also record work items, to name the function each kworker ran (costs one event per item)");
  cmd_->add_option("--keep", keep_,
                   "Keep the recording as this trace.dat (and its .context.json) instead of deleting it");
  cmd_->add_option("--threshold-ms", threshold_ms_, "Shortest wait reported as an episode, in ms")
      ->check(CLI::Range(0.001, 1e9))
      ->capture_default_str();
  cmd_->add_option("--chronic-share", chronic_share_, "Delay share that makes a chronic-delay finding")
      ->check(CLI::Range(0.0001, 1.0))
      ->capture_default_str();
  cmd_->add_option("--top", top_, "Table rows in text output (0: all)")->capture_default_str();
  cmd_->add_option("--color", color_, "Colour in text output: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

int DoctorCommand::Run() {
  std::vector<std::string> missing = DoctorPrerequisitesMissing();
  if (!missing.empty()) {
    std::cerr << "kstarve doctor: cannot record this machine; missing:\n";
    for (const std::string& m : missing) std::cerr << "  - " << m << "\n";
    std::cerr << "Record elsewhere (kstarve record, trace-cmd record) and run `kstarve report TRACE` instead.\n";
    return 1;
  }

  std::string dir;
  RecordOptions rec;
  rec.workqueue = workqueue_;
  if (keep_.empty()) {
    char tmpl[] = "/tmp/kstarve-doctor-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::cerr << "kstarve doctor: cannot create a temporary directory in /tmp\n";
      return 1;
    }
    dir = tmpl;
    rec.output = dir + "/doctor.dat";
  } else {
    rec.output = keep_;
  }
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};

  rec.duration_s = duration_s_;
  rec.duration_given = true;
  rec.progress = isatty(2) != 0;
  std::cerr << "kstarve doctor: recording " << duration_s_ << " s ...\n";
  Result<RecordSummary> recorded = Record(rec, std::cerr);
  if (!recorded.ok()) {
    std::cerr << "kstarve doctor: " << recorded.status().message() << "\n";
    return 1;
  }
  if (!recorded->wrote_trace) {
    std::cerr << "kstarve doctor: interrupted before anything was recorded\n";
    return recorded->exit_status != 0 ? recorded->exit_status : 1;
  }

  AnalyzeRequest req;
  req.inputs = {rec.output};
  req.analysis.threshold_ns = static_cast<int64_t>(std::llround(threshold_ms_ * 1e6));
  req.analysis.chronic_share = chronic_share_;
  Result<Report> report = AnalyzeTraces(req);
  if (!report.ok()) {
    std::cerr << "kstarve doctor: " << report.status().message() << "\n";
    return 1;
  }
  const Verdict verdict = BuildVerdict(*report);
  if (format_ == "json") {
    WriteJsonReport(*report, std::cout, &verdict);
  } else {
    const bool color = color_ == "always" || (color_ == "auto" && isatty(1) && std::getenv("NO_COLOR") == nullptr);
    WriteVerdictText(verdict, color, std::cout);
    TextOptions o;
    o.color = color;
    o.max_rows = top_;
    WriteTextReport(*report, o, std::cout);
  }
  if (!keep_.empty()) std::cerr << "kstarve doctor: kept the recording in " << keep_ << "\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace kstarve
