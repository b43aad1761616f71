#include "guard/engine.h"

#include <fnmatch.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <unordered_set>
#include <utility>

#include "analysis/task_class.h"

namespace kstarve::guard {

namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string Who(int32_t pid, const std::string& comm) {
  return "pid=" + std::to_string(pid) + " comm=" + comm;
}

const char* KindName(StarvationKind k) {
  return k == StarvationKind::kLongWait ? "long-wait" : "chronic-delay";
}

}  // namespace

std::string AutoClassOf(const ThreadInfo& t) {
  if (!t.kernel_thread) return "";
  std::string_view comm = t.comm;
  const std::string_view suffix = KworkerSuffix(comm);
  if (!suffix.empty()) comm = comm.substr(0, comm.size() - suffix.size() - 1);
  const int cpu = t.bound_cpu >= 0 ? t.bound_cpu : BoundCpuFromComm(comm);
  const size_t slash = comm.find('/');
  std::string prefix(comm.substr(0, slash));
  if (prefix == "kworker") {
    if (cpu >= 0) return "kworker/" + std::to_string(cpu);
    return "kworker/u";
  }
  if (cpu >= 0) return prefix + "/" + std::to_string(cpu);
  return prefix;
}

std::string CauseOf(const Starvation& s) {
  if (s.holder_pid < 0) return "unknown";
  switch (ClassFromPrio(s.holder_pid, s.holder_prio, s.holder_comm)) {
    case TaskClass::kRt: return "rt-preemption";
    case TaskClass::kFair: return "fair-share";
    case TaskClass::kDeadline: return "deadline";
    default: return "unknown";
  }
}

int Strength(const SchedAttrs& a) {
  switch (a.policy) {
    case Policy::kDeadline: return 1000;
    case Policy::kFifo:
    case Policy::kRr: return 100 + a.rt_priority;
    case Policy::kOther:
    case Policy::kBatch: return 40 - a.nice;  // nice -20 -> 60, 19 -> 21
    case Policy::kIdle: return 0;
  }
  return 0;
}

bool Satisfies(const SchedAttrs& current, const SchedAttrs& want) {
  if (current.policy != want.policy) return false;
  switch (want.policy) {
    case Policy::kFifo:
    case Policy::kRr:
      if (current.rt_priority != want.rt_priority) return false;
      break;
    case Policy::kOther:
    case Policy::kBatch:
      if (current.nice != want.nice) return false;
      break;
    case Policy::kDeadline:
      if (current.dl_runtime_ns != want.dl_runtime_ns || current.dl_period_ns != want.dl_period_ns ||
          current.dl_deadline_ns != want.dl_deadline_ns) {
        return false;
      }
      break;
    case Policy::kIdle: break;
  }
  return want.affinity.empty() || current.affinity == want.affinity;
}

Engine::Engine(Host& host, Journal* journal, const RuleSet* rules, EngineOptions options, LogSink log, Metrics& metrics)
    : host_(host),
      journal_(journal),
      rules_(rules),
      options_(std::move(options)),
      log_(std::move(log)),
      metrics_(metrics) {}

std::optional<Engine::Wanted> Engine::Want(const ThreadInfo& t, const Managed* m) const {
  // Rules and steps apply to the attributes the thread had before the guard touched it.
  const SchedAttrs& base = m != nullptr ? m->original : t.attrs;
  std::optional<Wanted> want;
  if (rules_ != nullptr) {
    if (const Rule* rule = FirstMatch(*rules_, t); rule != nullptr) {
      SchedAttrs a = Apply(rule->action, base);
      if (rule->action.affinity.empty()) a.affinity.clear();  // only what the rule sets is enforced
      want = Wanted{a, "rule " + rule->name, true};
    }
  }
  if (options_.auto_mode) {
    const std::string cls = AutoClassOf(t);
    if (auto it = classes_.find(cls); !cls.empty() && it != classes_.end() && it->second.step > 0) {
      if (std::optional<SchedAttrs> step = StepAttrs(it->second); step) {
        SchedAttrs a = base;
        a.affinity.clear();
        a.policy = step->policy;
        a.rt_priority = step->rt_priority;
        if (step->policy == Policy::kOther) a.nice = step->nice;
        if (!want || Strength(a) > Strength(want->attrs)) {
          want = Wanted{a, "auto " + cls + " step " + std::to_string(it->second.step), true};
        }
      }
    }
  }
  if (m != nullptr && m->boost_until_ns > 0) {
    SchedAttrs a = m->boost;
    if (want && !want->attrs.affinity.empty()) a.affinity = want->attrs.affinity;
    const bool held = want && want->held;
    want = Wanted{a, "boost", held};
  }
  return want;
}

void Engine::OnNewThread(int32_t pid, int64_t created_ns) {
  Result<ThreadInfo> t = host_.ReadThread(pid);
  if (!t.ok()) return;  // already gone
  Reconcile(*t, created_ns);
  CountMatched();
}

void Engine::Reconcile(const ThreadInfo& t, int64_t created_ns) {
  if (t.tgid == options_.self_tgid || t.id.pid == options_.self_tgid) return;
  if (const std::string cls = AutoClassOf(t); !cls.empty()) {
    class_members_[t.id.pid] = cls;
  } else {
    class_members_.erase(t.id.pid);
  }
  auto it = managed_.find(t.id.pid);
  if (it != managed_.end() && it->second.id.start_time != t.id.start_time) {
    Forget(t.id.pid);  // the pid was reused: the thread we changed is gone
    it = managed_.end();
  }
  Managed* m = it == managed_.end() ? nullptr : &it->second;
  const std::optional<Wanted> want = Want(t, m);
  if (!want) {
    if (m != nullptr) Restore(*m, &t, "no rule matches any more");
    return;
  }
  if (m == nullptr) {
    if (Satisfies(t.attrs, want->attrs)) return;  // already as wanted: nothing to change, nothing to restore
    Managed fresh;
    fresh.id = t.id;
    fresh.comm = t.comm;
    fresh.original = t.attrs;
    m = &managed_.emplace(t.id.pid, std::move(fresh)).first->second;
  }
  m->comm = t.comm;
  m->reason = want->reason;
  m->held = want->held;
  if (m->failed && *m->failed == want->attrs) return;  // the kernel refused exactly this before
  if (m->applied && *m->applied == want->attrs) {
    // In dry-run nothing was set, so the thread never looks like the decision.
    if (options_.dry_run || Satisfies(t.attrs, want->attrs)) return;
    Set(*m, t, want->attrs, "reapply", want->reason + ": attributes drifted to " + Describe(t.attrs));
    return;
  }
  if (!m->applied && Satisfies(t.attrs, want->attrs)) {
    m->applied = want->attrs;
    return;
  }
  if (Set(*m, t, want->attrs, m->applied ? "change" : "apply", want->reason) && created_ns > 0) {
    const int64_t now = host_.NowNs();
    metrics_.apply_latency.Observe(static_cast<double>(now - created_ns) / 1e9);
    log_(LogLevel::kInfo, "new thread " + Who(t.id.pid, t.comm) + " created_ns=" + std::to_string(created_ns) +
                              " applied_ns=" + std::to_string(now) + " apply_latency_ms=" + Ms(now - created_ns));
  }
}

bool Engine::Set(Managed& m, const ThreadInfo& t, const SchedAttrs& target, const char* action,
                 const std::string& why) {
  const std::string what = std::string(action) + " " + Who(t.id.pid, t.comm) + ": " + Describe(t.attrs) + " -> " +
                           Describe(target) + " (" + why + ")";
  if (options_.dry_run) {
    m.applied = target;
    log_(LogLevel::kNotice, "dry-run: would " + what);
    return true;
  }
  if (!m.journaled && journal_ != nullptr) {
    if (Status s = journal_->Save(m.id, m.comm, m.original); !s.ok()) {
      log_(LogLevel::kError, "not changing " + Who(t.id.pid, t.comm) + ": cannot journal it first: " + s.message());
      return false;
    }
    ++journal_lines_;
  }
  m.journaled = true;
  SchedAttrs set = target;
  if (set.affinity == t.attrs.affinity) set.affinity.clear();  // per-CPU kthreads refuse affinity changes
  if (Status s = host_.SetAttrs(t.id, set); !s.ok()) {
    m.failed = target;
    ++metrics_.actions["failed"];
    log_(LogLevel::kWarning, "cannot " + what + ": " + s.message());
    return false;
  }
  m.failed.reset();
  m.applied = target;
  ++metrics_.actions[action];
  log_(LogLevel::kNotice, what);
  return true;
}

void Engine::Restore(Managed& m, const ThreadInfo* now, const char* why) {
  const int32_t pid = m.id.pid;
  if (m.boost_until_ns > 0) --metrics_.active_boosts;
  if (options_.dry_run) {
    if (m.applied)
      log_(LogLevel::kNotice, "dry-run: would restore " + Who(pid, m.comm) + " to " + Describe(m.original));
  } else if (m.journaled && now != nullptr && now->id.start_time == m.id.start_time) {
    SchedAttrs target = m.original;
    if (target.affinity == now->attrs.affinity) target.affinity.clear();
    if (Status s = host_.SetAttrs(m.id, target); s.ok()) {
      ++metrics_.restores;
      ++metrics_.actions["restore"];
      log_(LogLevel::kNotice, "restore " + Who(pid, now->comm) + ": " + Describe(now->attrs) + " -> " +
                                  Describe(m.original) + " (" + why + ")");
    } else {
      log_(LogLevel::kWarning, "cannot restore " + Who(pid, now->comm) + ": " + s.message());
    }
  }
  if (m.journaled && journal_ != nullptr && !options_.dry_run) {
    if (journal_->Restored(m.id).ok()) ++journal_lines_;
  }
  managed_.erase(pid);
  MaybeCompact();
}

void Engine::Forget(int32_t pid) {
  auto it = managed_.find(pid);
  if (it == managed_.end()) return;
  Restore(it->second, nullptr, "the thread is gone");
}

void Engine::OnExit(int32_t pid) {
  Forget(pid);
  class_members_.erase(pid);
  CountMatched();
}

void Engine::Rescan() {
  const std::vector<ThreadInfo> threads = host_.ListThreads();
  std::unordered_set<int32_t> seen;
  seen.reserve(threads.size());
  for (const ThreadInfo& t : threads) {
    seen.insert(t.id.pid);
    Reconcile(t, 0);
  }
  std::vector<int32_t> gone;
  for (const auto& [pid, m] : managed_) {
    if (seen.count(pid) == 0) gone.push_back(pid);
  }
  for (int32_t pid : gone) Forget(pid);
  std::erase_if(class_members_, [&](const auto& kv) { return seen.count(kv.first) == 0; });
  CountMatched();
}

void Engine::Refuse(const std::string& reason, const Starvation& s, const std::string& detail) {
  ++metrics_.boosts_refused[reason];
  log_(LogLevel::kInfo, "no boost for " + Who(s.pid, s.comm) + " (" + reason + "): " + detail);
}

void Engine::OnStarvation(const Starvation& s) {
  const std::string kind = KindName(s.kind);
  const std::string cause = CauseOf(s);
  ++metrics_.starvation[{kind, cause}];
  metrics_.detection_latency.Observe(static_cast<double>(s.detected_ns - s.wait_start_ns) / 1e9);
  log_(LogLevel::kNotice,
       "starvation kind=" + kind + " cause=" + cause + " " + Who(s.pid, s.comm) + " cpu=" + std::to_string(s.cpu) +
           " waited_ms=" + Ms(s.waited_ns) + " holder_pid=" + std::to_string(s.holder_pid) +
           " holder_comm=" + s.holder_comm + " holder_prio=" + std::to_string(s.holder_prio) +
           " wait_start_ns=" + std::to_string(s.wait_start_ns) + " detected_ns=" + std::to_string(s.detected_ns));
  if (!options_.auto_mode) return;
  Result<ThreadInfo> t = host_.ReadThread(s.pid);
  if (!t.ok()) {
    Refuse("gone", s, "the thread exited");
    return;
  }
  if (t->tgid == options_.self_tgid) {
    Refuse("self", s, "the guard does not change its own threads");
    return;
  }
  if (!options_.auto_match.empty() && fnmatch(options_.auto_match.c_str(), t->comm.c_str(), 0) != 0 &&
      fnmatch(options_.auto_match.c_str(), t->process.c_str(), 0) != 0) {
    return;  // --auto-match leaves it alone (reported and counted above)
  }
  // The guard itself holding the CPU says nothing about the victim's class.
  Result<ThreadInfo> holder =
      s.holder_pid > 0 ? host_.ReadThread(s.holder_pid) : Result<ThreadInfo>(Status::Error("-"));
  if (holder.ok() && holder->tgid == options_.self_tgid) {
    Refuse("holder-is-guard", s, "the guard itself held the CPU");
    return;
  }
  // The detector saw the holder's prio at its last switch-in; a thread that
  // turned RT while running (sched_setscheduler) shows it only in /proc.
  Starvation now = s;
  if (holder.ok() && (holder->attrs.policy == Policy::kFifo || holder->attrs.policy == Policy::kRr)) {
    now.holder_prio = 99 - holder->attrs.rt_priority;
  }
  Escalate(now, *t);
  // A user thread that shares a CPU with other busy threads is chronically
  // delayed by design; boosting it only moves the delay. Chronic delay is
  // acted on for kernel threads; long waits for every thread.
  if (s.kind == StarvationKind::kChronicDelay && !t->kernel_thread) return;
  Boost(now, *t);
  CountMatched();
}

void Engine::Boost(const Starvation& s, const ThreadInfo& t) {
  const int64_t now = host_.NowNs();
  auto it = managed_.find(t.id.pid);
  if (it != managed_.end() && it->second.id.start_time != t.id.start_time) {
    Forget(t.id.pid);
    it = managed_.end();
  }
  if (it != managed_.end() && it->second.boost_until_ns > 0) {
    Refuse("already-boosted", s, "one boost per thread at a time");
    return;
  }
  // Above the holder if it is RT, so the boost actually preempts it.
  const int holder_rt = s.holder_prio >= 0 && s.holder_prio < 100 ? RtPriority(s.holder_prio) : 0;
  SchedAttrs boost = t.attrs;
  boost.affinity.clear();
  boost.policy = Policy::kFifo;
  boost.rt_priority =
      std::min(options_.boost_priority > 0 ? options_.boost_priority : holder_rt + 1, options_.max_rt_priority);
  if (options_.boost_priority == 0 && holder_rt >= options_.max_rt_priority) {
    Refuse("holder-too-high", s,
           "the holder runs at RT priority " + std::to_string(holder_rt) + ", the cap is " +
               std::to_string(options_.max_rt_priority));
    return;
  }
  if (Strength(t.attrs) >= Strength(boost)) {
    Refuse("not-higher", s, "it already runs at " + Describe(t.attrs));
    return;
  }
  while (!budget_.empty() && budget_.front().first <= now - options_.budget_window_ns) budget_.pop_front();
  int64_t used = 0;
  for (const auto& b : budget_) used += b.second;
  const auto allowed = static_cast<int64_t>(options_.budget_share * static_cast<double>(options_.budget_window_ns));
  if (used + options_.boost_ns > allowed) {
    Refuse("budget", s,
           "boosts took " + Ms(used) + " ms of the " + Ms(allowed) + " ms allowed per " +
               Ms(options_.budget_window_ns) + " ms");
    return;
  }
  const std::pair<int32_t, uint64_t> key{t.id.pid, t.id.start_time};
  if (options_.boost_deadline && no_deadline_.count(key) == 0 && !options_.dry_run) {
    SchedAttrs dl = boost;
    dl.policy = Policy::kDeadline;
    dl.rt_priority = 0;
    dl.dl_runtime_ns = options_.boost_dl_runtime_ns;
    dl.dl_deadline_ns = dl.dl_period_ns = options_.boost_dl_period_ns;
    // Probe without journaling twice: the journal entry is written by Set below either way.
    if (it == managed_.end()) {
      Managed fresh;
      fresh.id = t.id;
      fresh.comm = t.comm;
      fresh.original = t.attrs;
      it = managed_.emplace(t.id.pid, std::move(fresh)).first;
    }
    if (Set(it->second, t, dl, "boost", "deadline boost for " + Ms(options_.boost_ns) + " ms")) {
      boost = dl;
    } else {
      // Per-CPU threads get EPERM while RT throttling is on; never ask again for this thread.
      no_deadline_.insert(key);
      log_(LogLevel::kInfo, "boost " + Who(t.id.pid, t.comm) + ": SCHED_DEADLINE refused, using SCHED_FIFO");
    }
  }
  if (it == managed_.end()) {
    Managed fresh;
    fresh.id = t.id;
    fresh.comm = t.comm;
    fresh.original = t.attrs;
    it = managed_.emplace(t.id.pid, std::move(fresh)).first;
  }
  Managed& m = it->second;
  if (boost.policy != Policy::kDeadline) {
    m.failed.reset();
    if (!Set(m, t, boost, "boost", "boost for " + Ms(options_.boost_ns) + " ms, above holder " + s.holder_comm)) {
      Refuse("failed", s, "the kernel refused it");
      if (!m.applied) managed_.erase(it);
      return;
    }
  }
  const int64_t applied = host_.NowNs();
  m.boost = boost;
  m.boost_until_ns = applied + options_.boost_ns;
  m.reason = "boost";
  budget_.emplace_back(now, options_.boost_ns);
  ++metrics_.boosts;
  ++metrics_.active_boosts;
  metrics_.boost_latency.Observe(static_cast<double>(applied - s.wait_start_ns) / 1e9);
  log_(LogLevel::kNotice,
       "boosted " + Who(t.id.pid, t.comm) + " to " + Describe(boost) +
           " wait_start_ns=" + std::to_string(s.wait_start_ns) + " detected_ns=" + std::to_string(s.detected_ns) +
           " applied_ns=" + std::to_string(applied) + " boost_latency_ms=" + Ms(applied - s.wait_start_ns));
}

std::optional<SchedAttrs> Engine::StepAttrs(const ClassState& c) const {
  SchedAttrs a;
  switch (c.step) {
    case 0: return std::nullopt;
    case 1: a.nice = -10; break;
    case 2: a.nice = -20; break;
    case 3:
      a.policy = Policy::kRr;
      a.rt_priority = 1;
      break;
    default:
      a.policy = Policy::kRr;
      a.rt_priority = std::clamp(c.holder_rt + 1, 1, options_.max_rt_priority);
      break;
  }
  return a;
}

void Engine::Escalate(const Starvation& s, const ThreadInfo& t) {
  const std::string cls = AutoClassOf(t);
  if (cls.empty()) return;
  const int64_t now = host_.NowNs();
  ClassState& c = classes_[cls];
  c.last_report_ns = now;
  if (s.holder_prio >= 0 && s.holder_prio < 100) c.holder_rt = std::max(c.holder_rt, RtPriority(s.holder_prio));
  c.reports.push_back(now);
  while (!c.reports.empty() && c.reports.front() <= now - options_.escalate_window_ns) c.reports.pop_front();
  // The top step (RR above the holder) only exists when the holder is RT.
  const int top = c.holder_rt > 0 ? kTopStep : kTopStep - 1;
  if (static_cast<int>(c.reports.size()) < options_.escalate_reports || c.step >= top) return;
  // Nice steps and RR 1 never win a CPU from an RT holder (the RT class runs
  // first, and a FIFO thread keeps its CPU from equal-priority RR ones), so
  // against one the class goes straight to the step above it.
  // Starving again within the quiet time of the last step down: that step
  // was what held it, so stay up twice as long next time (at most 16 times
  // the base); starving again only long after, back to the base.
  const int64_t quiet = c.quiet_ns > 0 ? c.quiet_ns : options_.quiet_ns;
  if (c.stepped_down_ns > 0) {
    c.quiet_ns = now - c.stepped_down_ns < quiet ? std::min(quiet * 2, options_.quiet_ns * 16) : options_.quiet_ns;
  }
  c.step = c.holder_rt > 0 ? top : c.step + 1;
  c.changed_ns = now;
  c.reports.clear();
  metrics_.auto_step[cls] = c.step;
  ++metrics_.actions["escalate"];
  log_(LogLevel::kNotice, "auto: escalate " + cls + " to step " + std::to_string(c.step) + " (" +
                              Describe(*StepAttrs(c)) + "): " + std::to_string(options_.escalate_reports) +
                              " starvation reports within " + Ms(options_.escalate_window_ns) + " ms, last " +
                              Who(s.pid, s.comm) + " waited " + Ms(s.waited_ns) + " ms behind " + s.holder_comm);
  ApplyClass(cls);
}

void Engine::ApplyClass(const std::string& cls) {
  std::vector<int32_t> members;
  for (const auto& [pid, c] : class_members_) {
    if (c == cls) members.push_back(pid);
  }
  for (int32_t pid : members) {
    Result<ThreadInfo> t = host_.ReadThread(pid);
    if (t.ok()) {
      Reconcile(*t, 0);
    } else {
      OnExit(pid);
    }
  }
}

int64_t Engine::Tick() {
  const int64_t now = host_.NowNs();
  std::vector<int32_t> expired;
  int64_t next = INT64_MAX;
  for (const auto& [pid, m] : managed_) {
    if (m.boost_until_ns == 0) continue;
    if (m.boost_until_ns <= now) {
      expired.push_back(pid);
    } else {
      next = std::min(next, m.boost_until_ns);
    }
  }
  for (int32_t pid : expired) {
    Managed& m = managed_.at(pid);
    m.boost_until_ns = 0;
    --metrics_.active_boosts;
    ++metrics_.actions["unboost"];
    Result<ThreadInfo> t = host_.ReadThread(pid);
    if (!t.ok() || t->id.start_time != m.id.start_time) {
      Forget(pid);
      continue;
    }
    m.applied.reset();  // whatever comes next (rule, step, original) must be set again
    Reconcile(*t, 0);
  }
  if (options_.auto_mode) {
    for (auto& [cls, c] : classes_) {
      if (c.step == 0) continue;
      const int64_t quiet_since = std::max(c.last_report_ns, c.changed_ns);
      const int64_t quiet = c.quiet_ns > 0 ? c.quiet_ns : options_.quiet_ns;
      if (now - quiet_since < quiet || now - c.changed_ns < options_.min_dwell_ns) continue;
      // Down from above an RT holder: the steps in between do nothing against
      // it, so probe "no change" at once; if the holder is still there the
      // class climbs straight back (a few reports, bridged by boosts).
      c.step = c.step == kTopStep && c.holder_rt > 0 ? 0 : c.step - 1;
      if (c.step == 0) c.holder_rt = 0;
      c.changed_ns = now;
      c.stepped_down_ns = now;
      c.reports.clear();
      metrics_.auto_step[cls] = c.step;
      ++metrics_.actions["deescalate"];
      log_(LogLevel::kNotice, "auto: de-escalate " + cls + " to step " + std::to_string(c.step) +
                                  ": no starvation for " + Ms(now - quiet_since) + " ms");
      ApplyClass(cls);
    }
  }
  CountMatched();
  return next;
}

void Engine::RestoreAll() {
  std::vector<int32_t> pids;
  pids.reserve(managed_.size());
  for (const auto& [pid, m] : managed_) pids.push_back(pid);
  for (int32_t pid : pids) {
    Result<ThreadInfo> t = host_.ReadThread(pid);
    Restore(managed_.at(pid), t.ok() ? &*t : nullptr, "the guard stops");
  }
  CountMatched();
}

void Engine::CountMatched() {
  int64_t n = 0;
  for (const auto& [pid, m] : managed_) {
    if (m.held) ++n;
  }
  metrics_.threads_matched = n;
}

void Engine::MaybeCompact() {
  if (journal_ == nullptr || options_.dry_run || journal_lines_ < 4 * managed_.size() + 256) return;
  std::vector<JournalEntry> open;
  for (const auto& [pid, m] : managed_) {
    if (m.journaled) open.push_back({m.id, m.comm, m.original});
  }
  if (Status s = journal_->Compact(open); !s.ok()) {
    log_(LogLevel::kWarning, "journal compaction failed (the journal keeps growing): " + s.message());
    return;
  }
  journal_lines_ = open.size();
}

std::vector<Engine::ThreadState> Engine::Threads() const {
  std::vector<ThreadState> out;
  for (const auto& [pid, m] : managed_) {
    if (!m.applied) continue;
    out.push_back({m.id, m.comm, m.reason, *m.applied, m.boost_until_ns});
  }
  std::sort(out.begin(), out.end(), [](const ThreadState& a, const ThreadState& b) { return a.id.pid < b.id.pid; });
  return out;
}

std::map<std::string, int> Engine::AutoSteps() const {
  std::map<std::string, int> out;
  for (const auto& [cls, c] : classes_) out[cls] = c.step;
  return out;
}

}  // namespace kstarve::guard
