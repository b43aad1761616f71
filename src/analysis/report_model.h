// The result of analysing a trace: what every output format (text, JSON,
// Perfetto) prints. Names follow the JSON contract of the brief.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/task_class.h"

namespace kstarve {

struct AnalysisOptions {
  int64_t threshold_ns = 10'000'000;  // --threshold-ms: episodes are waits at least this long
  double chronic_share = 0.10;        // --chronic-share: delay share that makes a chronic delay
  uint64_t chronic_min_waits = 10;    // "many short waits": fewer is a long-wait matter
  bool by_comm = false;               // --by comm: one table row per comm
  size_t max_episodes = 10000;        // longest kept when there are more
};

struct TraceSummary {
  std::string format;  // "ftrace", "trace-cmd", "perf-script"
  std::vector<std::string> inputs;
  uint64_t events = 0;
  int cpus = 0;              // highest CPU number seen + 1
  int cpus_with_events = 0;  // CPUs the trace has events of
  int64_t start = 0;         // ns
  int64_t end = 0;
  uint64_t inferred_switches = 0;
  uint64_t lost_events = 0;       // as the trace's LOST markers count them
  uint64_t lost_markers = 0;      // how many gaps
  uint64_t unobserved_waits = 0;  // open at the end on CPUs the trace never shows
  std::vector<int> late_cpus;     // per-CPU buffers that start after the others
  uint64_t lines = 0, skipped_lines = 0, other_events = 0, malformed = 0, overlong_lines = 0;
  uint64_t reordered = 0, dropped_late = 0;
  std::vector<std::string> problems;
  std::vector<std::string> notes;  // facts about the input (trace.dat version, buffers, clock)
};

struct ThreadRef {
  int32_t pid = -1;
  std::string comm;
};

// How the scheduler was told to treat a thread, from the context snapshot a
// recording saves beside its trace (`known` is false without one).
struct SchedInfo {
  bool known = false;
  std::string policy;  // "other", "batch", "idle", "fifo", "rr", "deadline"
  int rt_priority = 0;
  int nice = 0;
  bool kernel_thread = false;
  std::string cgroup;                  // path in the hierarchy with the cpu controller
  std::optional<uint64_t> cpu_shares;  // cgroup v1
  std::optional<uint64_t> cpu_weight;  // cgroup v2
  std::string cpu_max;                 // quota and period, "max 100000" when unlimited
  std::string workqueue;               // a kworker's, from its /proc name ("dio/vda"), if it had one
};

struct Antagonist {
  int32_t pid = -1;
  std::string comm;
  int prio = 0;
  TaskClass cls = TaskClass::kUnknown;
  int64_t ns = 0;
  SchedInfo sched;
};

struct TaskReport {
  int32_t pid = -1;  // -1 for a --by comm row that merges several threads
  std::string comm;
  int prio = 0;
  int threads = 1;
  int bound_cpu = -1;  // per-CPU kernel thread's CPU, or -1
  int64_t runtime_ns = 0;
  uint64_t switches = 0;
  uint64_t inferred_switches = 0;
  uint64_t waits = 0;
  int64_t sum_delay_ns = 0;
  int64_t max_delay_ns = 0;
  int64_t max_delay_start = 0;
  int64_t max_delay_end = 0;
  bool incomplete = false;  // lost events hid part of its history
  double delay_share = 0;
  // Over all its waits: who held its CPU, and IRQ time there.
  std::vector<Antagonist> antagonists;
  int64_t wait_irq_ns = 0;
  int64_t wait_softirq_ns = 0;
  std::string work_function;  // the function a kworker ran most often
  uint64_t work_items = 0;    // how many work items it ran
};

struct EpisodeReport {
  ThreadRef victim;
  int victim_prio = 0;
  int cpu = -1;
  int64_t start = 0;
  int64_t end = 0;
  int64_t kernel_wait_ns = -1;  // the kernel's sched_stat_wait, when traced
  int64_t irq_ns = 0;
  int64_t softirq_ns = 0;
  std::string cause;
  std::vector<Antagonist> antagonists;
  ThreadRef waker;
  bool truncated = false;     // still waiting when the trace ends
  std::string work_function;  // what a kworker ran last, if traced
  int64_t wait_ns() const { return end - start; }
};

struct FindingReport {
  ThreadRef victim;
  int victim_prio = 0;
  int bound_cpu = -1;
  std::string kind;  // "long-wait" | "chronic-delay"
  std::string cause;
  std::vector<Antagonist> antagonists;
  std::string evidence;
  std::string recommendation;
  std::string why;  // why the scheduler preferred the antagonist (needs the context snapshot)
  SchedInfo victim_sched;
  double delay_share = 0;
  int64_t worst_ns = 0;
};

// What the context snapshot says about the machine, when there is one.
struct ContextSummary {
  std::string file;
  std::string kernel_release;
  std::optional<uint64_t> base_slice_ns;
  std::optional<int64_t> rt_runtime_us, rt_period_us;
  std::optional<uint64_t> fair_server_runtime_ns, fair_server_period_ns;  // of the first CPU listed
  std::vector<std::string> features_off;                                  // scheduler features that are off (NO_X)
  size_t threads = 0;
};

struct Report {
  AnalysisOptions options;
  std::optional<ContextSummary> context;
  TraceSummary trace;
  std::vector<TaskReport> tasks;
  std::vector<EpisodeReport> episodes;  // by start time
  uint64_t episodes_total = 0;          // before max_episodes applied
  std::vector<FindingReport> findings;  // worst first

  int64_t duration_ns() const { return trace.end - trace.start; }
};

}  // namespace kstarve
