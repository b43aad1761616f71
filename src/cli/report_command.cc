#include "cli/report_command.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "pipeline/analyze_traces.h"
#include "report/json_report.h"
#include "report/text_report.h"

namespace kstarve {

ReportCommand::ReportCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("report", "Explain scheduling delays in trace files");
  cmd_->description(
      "Explain scheduling delays in trace files: who waited, how long, behind whom, and why.\n\n"
      "Reads trace.dat (`kstarve record`, `trace-cmd record`/`extract`), ftrace text\n"
      "(/sys/kernel/tracing/trace, trace_pipe), `trace-cmd report` output (also -R) and\n"
      "`perf script` output of sched/irq/workqueue tracepoints. The format is\n"
      "recognized from the content; `-` reads standard input; .gz and .zst are decompressed.\n"
      "Lines that are not trace records (a pasted mail, headers) are skipped and counted.\n\n"
      "A recording by `kstarve record` has a context snapshot beside it (TRACE.context.json):\n"
      "policies, priorities, nice levels and cgroup weights of every thread, so findings say\n"
      "why the scheduler preferred the antagonist. Other tools' traces, for example:\n"
      "  trace-cmd record -e sched_switch -e sched_waking -e sched_wakeup -e sched_migrate_task \\\n"
      "      -e irq -e softirq_entry -e softirq_exit -e workqueue_execute_start sleep 5\n"
      "  trace-cmd report > trace.txt && kstarve report trace.txt\n\n"
      "Delays follow `perf sched latency`: from the first wakeup (or a preempted switch-out)\n"
      "to the next switch-in. Episodes are waits of at least --threshold-ms; findings are\n"
      "threads with an episode (long-wait) or a delay share of at least --chronic-share\n"
      "(chronic-delay). Exit status: 0 on success, 1 if a trace cannot be read, 2 on usage errors.");
  cmd_->add_option("TRACE", traces_, "Trace files (several: consecutive pieces of one trace)")->required();
  cmd_->add_option("--format", format_, "Output: text (a table, episodes, findings) or json (kstarve.report/1)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd_->add_option("--threshold-ms", threshold_ms_, "Shortest wait reported as an episode, in ms")
      ->check(CLI::Range(0.001, 1e9))
      ->capture_default_str();
  cmd_->add_option("--chronic-share", chronic_share_,
                   "Delay share (sum of waits / window) that makes a chronic-delay finding")
      ->check(CLI::Range(0.0001, 1.0))
      ->capture_default_str();
  cmd_->add_option("--by", by_, "Table rows per thread (pid) or merged per command name (comm)")
      ->check(CLI::IsMember({"pid", "comm"}))
      ->capture_default_str();
  cmd_->add_option("--perfetto", perfetto_,
                   "Also write a Chrome JSON trace for ui.perfetto.dev: CPU tracks, victims' waits, wakeup flows");
  cmd_->add_option("--context", context_,
                   "Context snapshot to use (default: TRACE.context.json beside the first trace, if present)");
  cmd_->add_flag("--no-context", no_context_, "Ignore any context snapshot beside the trace");
  cmd_->add_option("--top", top_, "Text table rows to show, most delayed threads first (0: all)")
      ->capture_default_str();
  cmd_->add_option("--episodes", episodes_, "Episodes to list in text output, the longest first chosen (0: all)")
      ->capture_default_str();
  cmd_->add_option("--color", color_, "Colour in text output: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

int ReportCommand::Run() {
  if (!cmd_->parsed()) return 2;
  AnalyzeRequest req;
  req.inputs = traces_;
  req.analysis.threshold_ns = static_cast<int64_t>(std::llround(threshold_ms_ * 1e6));
  req.analysis.chronic_share = chronic_share_;
  req.analysis.by_comm = by_ == "comm";
  req.perfetto_path = perfetto_;
  req.context_path = context_;
  req.find_context = !no_context_;
  const auto started = std::chrono::steady_clock::now();
  bool showed_progress = false;
  if (isatty(2)) {
    // Long traces take seconds: say how far along we are, on a terminal only.
    req.read.progress = [&](const std::string& name, uint64_t bytes, uint64_t lines) {
      if (std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) return;
      std::fprintf(stderr, "\rkstarve report: reading %s: %llu MB, %llu lines", name.c_str(),
                   static_cast<unsigned long long>(bytes >> 20), static_cast<unsigned long long>(lines));
      showed_progress = true;
    };
  }
  Result<Report> report = AnalyzeTraces(req);
  if (showed_progress) std::fprintf(stderr, "\r\033[K");
  if (!report.ok()) {
    std::cerr << "kstarve report: " << report.status().message() << "\n";
    return 1;
  }
  if (format_ == "json") {
    WriteJsonReport(*report, std::cout);
  } else {
    TextOptions o;
    o.color = color_ == "always" || (color_ == "auto" && isatty(1) && std::getenv("NO_COLOR") == nullptr);
    o.max_rows = top_;
    o.max_episodes = episodes_;
    WriteTextReport(*report, o, std::cout);
  }
  if (!perfetto_.empty()) std::cerr << "kstarve report: wrote " << perfetto_ << " (open it in ui.perfetto.dev)\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace kstarve
