// Analyzer: the EventSink at the end of the pipeline. It runs the thread-state
// machine, aggregates per-thread delay statistics and episodes as waits end,
// and on Finish() classifies causes and writes findings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report_model.h"
#include "analysis/thread_tracker.h"
#include "base/interner.h"
#include "base/pid_map.h"
#include "context/snapshot.h"
#include "events/event.h"

namespace kstarve {

// Merges per-thread rows into one row per comm (--by comm).
std::vector<TaskReport> MergeByComm(const std::vector<TaskReport>& threads);

class Analyzer : public EventSink, private TrackerObserver {
 public:
  Analyzer(const StringInterner& strings, AnalysisOptions options);

  void OnEvent(const Event& e) override;
  // `summary` carries what the readers know (format, line counts); the
  // analyzer fills in the rest. With the recording's context snapshot
  // (`context_file` names it in the report), antagonists carry their policy
  // and cgroup weight and findings say why the scheduler chose as it did.
  Report Finish(TraceSummary summary, const ContextSnapshot* context = nullptr, std::string context_file = {});

  const ThreadTracker& tracker() const { return tracker_; }
  // Observers that want the same run/wait stream (the Perfetto exporter).
  void AddObserver(TrackerObserver* o) { extra_observers_.push_back(o); }

 private:
  // Per-thread totals, kept while the trace streams by.
  struct ThreadTotals {
    StrId comm = kNoStr;
    int64_t runtime_ns = 0;
    uint64_t switches = 0, inferred = 0, waits = 0;
    int64_t sum_delay = 0, max_delay = -1, max_start = 0, max_end = 0;
    int64_t irq_ns = 0, softirq_ns = 0;                      // on its CPU during its waits
    std::vector<HeldTime> held;                              // who held its CPU, over all waits
    std::vector<std::pair<StrId, uint32_t>> work_functions;  // kworkers: what they ran
    bool reset = false;
  };
  struct RawEpisode {
    int32_t pid;
    StrId comm;
    int prio;
    int32_t cpu;
    int64_t start, end, kernel_wait_ns, irq_ns, softirq_ns;
    int32_t waker;
    bool truncated;
    StrId function;
    std::vector<Antagonist> antagonists;
  };

  void OnRun(const RunSlice& r) override;
  void OnWait(const WaitRecord& w) override;
  void OnWake(const WakeRecord& w) override;
  void OnSwitchIn(int32_t pid, bool inferred) override;
  void OnThreadReset(int32_t pid) override;

  ThreadTotals& Totals(int32_t pid) { return totals_[pid]; }
  Antagonist Describe(int32_t pid, int64_t ns) const;
  std::string CommOf(int32_t pid) const;
  StrId TopFunction(const ThreadTotals& t) const;
  void KeepEpisode(RawEpisode e);
  std::vector<TaskReport> BuildThreadRows(const Report& r) const;

  const StringInterner& strings_;
  AnalysisOptions options_;
  ThreadTracker tracker_;
  std::vector<TrackerObserver*> extra_observers_;
  PidMap<ThreadTotals> totals_;
  std::vector<std::pair<int32_t, ThreadTotals>> retired_;  // pids reused after exit
  std::vector<RawEpisode> episodes_;                       // a min-heap on wait length once full
  uint64_t episodes_total_ = 0;
  uint64_t events_ = 0;
  int64_t first_ts_ = 0, last_ts_ = 0;
};

}  // namespace kstarve
