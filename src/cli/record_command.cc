#include "cli/record_command.h"

#include <unistd.h>

#include <iostream>
#include <sstream>

#include "capture/tracefs_session.h"

namespace kstarve {
namespace {

std::string JoinDefaultEvents() {
  std::string out;
  for (const std::string& e : DefaultRecordEvents()) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

RecordCommand::RecordCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("record", "Record scheduler events of this machine into a trace.dat");
  cmd_->description(
      "Record scheduler and IRQ events (and, with --workqueue, work items) of this machine from tracefs's raw ring "
      "buffers into\n"
      "a trace.dat (read it with `kstarve report FILE` or `trace-cmd report -i FILE`), and save a context\n"
      "snapshot (policies, priorities, nice values, cgroup weights, scheduler knobs) in FILE.context.json.\n\n"
      "Uses its own tracefs instance (kstarve-PID) and removes it at the end, also on errors and on\n"
      "SIGINT/SIGTERM/SIGHUP (which stop the recording; what was captured is still written).\n"
      "With a COMMAND (after --), records while it runs and exits with its exit status.\n"
      "Needs root. Exit status: 0 (or the command's), 1 on errors, 2 on usage errors.");
  cmd_->add_option("-d,--duration", options_.duration_s,
                   "Seconds to record (with a COMMAND: stop recording after this long if it still runs)")
      ->check(CLI::Range(0.001, 1e7))
      ->capture_default_str();
  cmd_->add_option("-o,--output", options_.output, "The trace.dat to write")->capture_default_str();
  cmd_->add_option("--buffer-kb", options_.buffer_kb, "Ring buffer per CPU, in KiB")
      ->check(CLI::Range(64, 4 * 1024 * 1024))
      ->capture_default_str();
  cmd_->add_option("--events", events_,
                   "Comma-separated events to enable instead of the default (SYSTEM:EVENT, SYSTEM:* or SYSTEM).\n"
                   "Default: " +
                       JoinDefaultEvents());
  cmd_->add_flag("--workqueue", options_.workqueue,
                 "Also record workqueue_execute_start, so the report names the function each kworker ran.\n"
                 "One event per work item: on an I/O-heavy load several times all other events together");
  cmd_->add_option("--clock", options_.clock,
                   "trace_clock of the instance (local, global, mono, ...); default: the kernel's default, local");
  cmd_->add_option("--poll-ms", options_.poll_ms, "How often the ring buffers are read, in ms")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd_->add_flag("--no-context", no_context_, "Do not write FILE.context.json");
  cmd_->add_flag("-v,--verbose", options_.verbose, "Also say how long setup and writing the file took");
  cmd_->add_option("COMMAND", options_.command, "Command to record for (put it after --)");
}

int RecordCommand::Run() {
  options_.duration_given = cmd_->count("--duration") > 0;
  options_.events = SplitList(events_);
  options_.context = !no_context_;
  options_.progress = isatty(2) != 0;
  Result<RecordSummary> summary = Record(options_, std::cerr);
  if (!summary.ok()) {
    std::cerr << "kstarve record: " << summary.status().message() << "\n";
    return 1;
  }
  return summary->exit_status;
}

}  // namespace kstarve
