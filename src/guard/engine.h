// The policy engine: pure logic over the Host interface (no /proc, no
// syscalls, no clock of its own), so the live daemon and the simulator run
// the same decisions.
//
// Three sources of wanted attributes, strongest wins per thread:
//  - standing rules (--rules): the first matching rule's action;
//  - --auto class steps: a class of kernel threads (the per-CPU kworkers of
//    one CPU, ksoftirqd/N, ...) that keeps starving climbs a ladder
//    nice -10 -> nice -20 -> RR 1 (behind fair holders) or straight to RR
//    above the holder (behind an RT one), and climbs back down after a quiet
//    period (hysteresis);
//  - temporary boosts (--auto): SCHED_FIFO (or SCHED_DEADLINE, falling back to
//    FIFO) for a bounded time, within a global budget, one per thread.
// Before the first change of a thread its original attributes are journaled
// (before the change); they come back when nothing wants the thread changed any more,
// and for every thread at exit.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "guard/host.h"
#include "guard/journal.h"
#include "guard/log.h"
#include "guard/metrics.h"
#include "guard/rules.h"
#include "guard/starvation.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

struct EngineOptions {
  bool dry_run = false;      // log every decision, change nothing, journal nothing
  bool auto_mode = false;    // boosts and class escalation on starvation reports
  int32_t self_tgid = -1;    // the guard's own process: never changed
  int max_rt_priority = 89;  // boosts and auto steps stay below this + 1
  std::string auto_match;    // --auto-match: act only on threads whose comm or process matches this glob
  // Boosts.
  int64_t boost_ns = 50'000'000;
  int boost_priority = 0;       // FIFO priority of a boost; 0: one above an RT holder, 1 above a fair one
  bool boost_deadline = false;  // try SCHED_DEADLINE first (EPERM on per-CPU threads: then FIFO)
  uint64_t boost_dl_runtime_ns = 5'000'000, boost_dl_period_ns = 10'000'000;
  double budget_share = 0.20;  // boosted time allowed per budget window, summed over all boosts
  int64_t budget_window_ns = 1'000'000'000;
  // --auto escalation.
  int escalate_reports = 3;  // reports within the window that escalate one step
  int64_t escalate_window_ns = 10'000'000'000;
  int64_t quiet_ns = 30'000'000'000;     // no report for this long at a step: one step down
  int64_t min_dwell_ns = 5'000'000'000;  // never de-escalate sooner than this after a change
};

// The --auto class of a thread: "kworker/1" (per-CPU kworkers of CPU 1, any
// pool), "ksoftirqd/1", "kworker/u" (unbound kworkers), or the comm up to the
// first '/' for other kernel threads; "" for user threads (boosts only).
std::string AutoClassOf(const ThreadInfo& t);

// The report's cause for a starvation, from the holder's kernel prio:
// rt-preemption, fair-share, deadline or unknown.
std::string CauseOf(const Starvation& s);

// A total order of how strongly attributes claim the CPU (deadline > RT by
// priority > fair by nice > idle); used to combine rule, auto and boost.
int Strength(const SchedAttrs& a);

// True if `current` already has what `want` asks for (affinity only if `want` sets it).
bool Satisfies(const SchedAttrs& current, const SchedAttrs& want);

class Engine {
 public:
  Engine(Host& host, Journal* journal, const RuleSet* rules, EngineOptions options, LogSink log, Metrics& metrics);

  // A thread appeared (proc connector FORK) at created_ns (CLOCK_MONOTONIC, 0 if unknown).
  void OnNewThread(int32_t pid, int64_t created_ns);
  // Its name may have changed (EXEC, COMM) or it needs a fresh look.
  void OnChanged(int32_t pid) { OnNewThread(pid, 0); }
  void OnExit(int32_t pid);
  // Safety net: every thread of the system.
  void Rescan();
  void OnStarvation(const Starvation& s);
  // Ends expired boosts and de-escalates quiet classes. Returns the time of
  // the next boost expiry (INT64_MAX if none).
  int64_t Tick();
  // Puts every changed thread back (exit, signals).
  void RestoreAll();

  struct ThreadState {
    ThreadId id;
    std::string comm;
    std::string reason;  // "rule NAME", "auto CLASS step N", "boost"
    SchedAttrs applied;
    int64_t boost_until_ns = 0;
  };
  std::vector<ThreadState> Threads() const;
  std::map<std::string, int> AutoSteps() const;

 private:
  struct Managed {
    ThreadId id;
    std::string comm;
    SchedAttrs original;
    bool journaled = false;
    std::optional<SchedAttrs> applied;  // what the guard last set (or decided, in dry-run)
    std::optional<SchedAttrs> failed;   // last attributes the kernel refused (not retried)
    std::string reason;
    bool held = false;  // a rule or an auto step wants it changed
    int64_t boost_until_ns = 0;
    SchedAttrs boost;
  };
  // Steps: 0 none, 1 nice -10, 2 nice -20, 3 RR 1, 4 RR above an RT holder.
  static constexpr int kTopStep = 4;
  struct ClassState {
    int step = 0;
    std::deque<int64_t> reports;
    int64_t last_report_ns = 0, changed_ns = 0;
    int holder_rt = 0;  // highest RT priority of a holder seen in this class's reports
    // Flap damping: the quiet time this class needs before it steps down
    // (0: EngineOptions::quiet_ns), doubled each time it starves again soon
    // after a step down, since its step was what kept it from starving.
    int64_t quiet_ns = 0;
    int64_t stepped_down_ns = 0;
  };
  struct Wanted {
    SchedAttrs attrs;
    std::string reason;
    bool held = false;
  };

  void Reconcile(const ThreadInfo& t, int64_t created_ns);
  std::optional<Wanted> Want(const ThreadInfo& t, const Managed* m) const;
  // Journals (if needed) and sets; returns false if nothing was set.
  bool Set(Managed& m, const ThreadInfo& t, const SchedAttrs& target, const char* action, const std::string& why);
  void Restore(Managed& m, const ThreadInfo* now, const char* why);
  void Forget(int32_t pid);
  void Escalate(const Starvation& s, const ThreadInfo& t);
  void ApplyClass(const std::string& cls);
  std::optional<SchedAttrs> StepAttrs(const ClassState& c) const;
  void Boost(const Starvation& s, const ThreadInfo& t);
  void CountMatched();
  void MaybeCompact();
  void Refuse(const std::string& reason, const Starvation& s, const std::string& detail);

  Host& host_;
  Journal* journal_;
  const RuleSet* rules_;
  EngineOptions options_;
  LogSink log_;
  Metrics& metrics_;
  std::unordered_map<int32_t, Managed> managed_;
  std::unordered_map<int32_t, std::string> class_members_;  // pid -> auto class (kernel threads)
  std::map<std::string, ClassState> classes_;
  std::deque<std::pair<int64_t, int64_t>> budget_;      // (boost start, duration) within the window
  std::set<std::pair<int32_t, uint64_t>> no_deadline_;  // threads the kernel refused SCHED_DEADLINE
  size_t journal_lines_ = 0;
};

}  // namespace kstarve::guard
