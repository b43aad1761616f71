#include "analysis/analyzer.h"

#include <algorithm>
#include <map>

#include "analysis/causes.h"
#include "analysis/findings.h"
#include "analysis/sched_context.h"

namespace kstarve {

namespace {

constexpr size_t kAntagonistsPerEpisode = 8;

bool LongerWait(const auto& a, const auto& b) {
  return a.end - a.start > b.end - b.start;
}

// Table order: the most delayed threads first (total delay, then the longest
// wait), so a chronic victim with only short waits is not buried below a
// thread that waited once.
void SortForTable(std::vector<TaskReport>& rows) {
  std::sort(rows.begin(), rows.end(), [](const TaskReport& a, const TaskReport& b) {
    if (a.sum_delay_ns != b.sum_delay_ns) return a.sum_delay_ns > b.sum_delay_ns;
    if (a.max_delay_ns != b.max_delay_ns) return a.max_delay_ns > b.max_delay_ns;
    if (a.pid != b.pid) return a.pid < b.pid;
    return a.comm < b.comm;
  });
}

}  // namespace

Analyzer::Analyzer(const StringInterner& strings, AnalysisOptions options)
    : strings_(strings), options_(options), tracker_(strings, *this) {}

void Analyzer::OnEvent(const Event& e) {
  if (e.kind != EventKind::kLost && e.kind != EventKind::kCpuStart) {
    if (events_ == 0) first_ts_ = e.ts;
    ++events_;
    last_ts_ = e.ts;
  }
  if (e.kind == EventKind::kWorkStart && e.pid > 0 && e.comm != kNoStr) {
    auto& fns = Totals(e.pid).work_functions;
    auto it = std::find_if(fns.begin(), fns.end(), [&](const auto& f) { return f.first == e.comm; });
    if (it != fns.end()) {
      ++it->second;
    } else if (fns.size() < 16) {
      fns.emplace_back(e.comm, 1);
    }
  }
  tracker_.OnEvent(e);
}

void Analyzer::OnRun(const RunSlice& r) {
  if (r.pid > 0) Totals(r.pid).runtime_ns += r.end - r.start;
  for (TrackerObserver* o : extra_observers_) o->OnRun(r);
}

void Analyzer::OnSwitchIn(int32_t pid, bool inferred) {
  ThreadTotals& t = Totals(pid);
  ++t.switches;
  if (inferred) ++t.inferred;
  for (TrackerObserver* o : extra_observers_) o->OnSwitchIn(pid, inferred);
}

void Analyzer::OnWake(const WakeRecord& w) {
  for (TrackerObserver* o : extra_observers_) o->OnWake(w);
}

void Analyzer::OnThreadReset(int32_t pid) {
  if (ThreadTotals* t = totals_.Find(pid)) {
    if (const ThreadInfo* info = tracker_.Find(pid)) t->comm = info->comm;
    retired_.emplace_back(pid, std::move(*t));
    retired_.back().second.reset = true;
    *t = ThreadTotals();
  }
  for (TrackerObserver* o : extra_observers_) o->OnThreadReset(pid);
}

Antagonist Analyzer::Describe(int32_t pid, int64_t ns) const {
  Antagonist a;
  a.pid = pid;
  a.ns = ns;
  a.comm = CommOf(pid);
  const ThreadInfo* info = pid > 0 ? tracker_.Find(pid) : nullptr;
  a.prio = info != nullptr ? info->prio : (pid == 0 ? 120 : 0);
  a.cls = ClassFromPrio(pid, a.prio, a.comm);
  return a;
}

std::string Analyzer::CommOf(int32_t pid) const {
  if (pid == 0) return "<idle>";
  if (pid < 0) return "<unknown>";
  const ThreadInfo* info = tracker_.Find(pid);
  std::string_view comm = info != nullptr ? strings_.Get(info->comm) : std::string_view();
  return comm.empty() ? std::string("<...>") : std::string(comm);
}

StrId Analyzer::TopFunction(const ThreadTotals& t) const {
  StrId best = kNoStr;
  uint32_t n = 0;
  for (const auto& [fn, count] : t.work_functions) {
    if (count > n) best = fn, n = count;
  }
  return best;
}

void Analyzer::OnWait(const WaitRecord& w) {
  for (TrackerObserver* o : extra_observers_) o->OnWait(w);
  int64_t ns = w.end - w.start;
  ThreadTotals& t = Totals(w.pid);
  ++t.waits;
  t.sum_delay += ns;
  if (ns > t.max_delay) t.max_delay = ns, t.max_start = w.start, t.max_end = w.end;
  t.irq_ns += w.irq_ns;
  t.softirq_ns += w.softirq_ns;
  for (const HeldTime& h : *w.held) AddHeldTime(t.held, h.pid, h.ns);
  if (ns < options_.threshold_ns) return;

  const ThreadInfo* info = tracker_.Find(w.pid);
  RawEpisode e{w.pid,
               info != nullptr ? info->comm : kNoStr,
               info != nullptr ? info->prio : 120,
               w.cpu,
               w.start,
               w.end,
               w.kernel_wait_ns,
               w.irq_ns,
               w.softirq_ns,
               w.waker,
               w.truncated,
               TopFunction(t),
               {}};
  for (size_t i = 0; i < w.held->size() && i < kAntagonistsPerEpisode; ++i) {
    e.antagonists.push_back(Describe((*w.held)[i].pid, (*w.held)[i].ns));
  }
  KeepEpisode(std::move(e));
}

void Analyzer::KeepEpisode(RawEpisode e) {
  ++episodes_total_;
  // Bounded memory: once full, keep the longest waits (a min-heap on length).
  auto shorter_first = [](const RawEpisode& a, const RawEpisode& b) { return LongerWait(a, b); };
  if (episodes_.size() < options_.max_episodes) {
    episodes_.push_back(std::move(e));
    if (episodes_.size() == options_.max_episodes) {
      std::make_heap(episodes_.begin(), episodes_.end(), shorter_first);
    }
    return;
  }
  if (episodes_.empty() || !LongerWait(e, episodes_.front())) return;
  std::pop_heap(episodes_.begin(), episodes_.end(), shorter_first);
  episodes_.back() = std::move(e);
  std::push_heap(episodes_.begin(), episodes_.end(), shorter_first);
}

std::vector<TaskReport> Analyzer::BuildThreadRows(const Report& r) const {
  std::vector<TaskReport> rows;
  auto add = [&](int32_t pid, const ThreadTotals& t, StrId comm) {
    if (pid <= 0 || (t.runtime_ns == 0 && t.switches == 0 && t.waits == 0)) return;
    TaskReport row;
    row.pid = pid;
    row.comm = strings_.Get(comm).empty() ? "<...>" : std::string(strings_.Get(comm));
    const ThreadInfo* info = t.reset ? nullptr : tracker_.Find(pid);
    row.prio = info != nullptr ? info->prio : 120;
    row.incomplete = info != nullptr && info->touched_by_loss;
    row.bound_cpu = BoundCpuFromComm(row.comm);
    row.runtime_ns = t.runtime_ns;
    row.switches = t.switches;
    row.inferred_switches = t.inferred;
    row.waits = t.waits;
    row.sum_delay_ns = t.sum_delay;
    row.max_delay_ns = std::max<int64_t>(t.max_delay, 0);
    row.max_delay_start = t.max_delay >= 0 ? t.max_start : 0;
    row.max_delay_end = t.max_delay >= 0 ? t.max_end : 0;
    row.wait_irq_ns = t.irq_ns;
    row.wait_softirq_ns = t.softirq_ns;
    std::vector<HeldTime> held = t.held;
    SortLongestFirst(held);
    for (size_t i = 0; i < held.size() && i < kAntagonistsPerEpisode; ++i) {
      row.antagonists.push_back(Describe(held[i].pid, held[i].ns));
    }
    StrId fn = TopFunction(t);
    row.work_function = std::string(strings_.Get(fn));
    for (const auto& f : t.work_functions) row.work_items += f.second;
    rows.push_back(std::move(row));
  };
  totals_.ForEach([&](int32_t pid, const ThreadTotals& t) {
    const ThreadInfo* info = tracker_.Find(pid);
    add(pid, t, info != nullptr ? info->comm : kNoStr);
  });
  for (const auto& [pid, t] : retired_) add(pid, t, t.comm);

  int64_t duration = r.duration_ns();
  for (TaskReport& row : rows) {
    row.delay_share = duration > 0 ? static_cast<double>(row.sum_delay_ns) / static_cast<double>(duration) : 0;
  }
  SortForTable(rows);
  return rows;
}

std::vector<TaskReport> MergeByComm(const std::vector<TaskReport>& threads) {
  std::vector<TaskReport> rows(threads);
  {
    std::map<std::string, TaskReport> merged;
    for (TaskReport& row : rows) {
      auto [it, fresh] = merged.try_emplace(row.comm, row);
      if (fresh) continue;
      TaskReport& m = it->second;
      m.pid = -1;
      ++m.threads;
      m.runtime_ns += row.runtime_ns;
      m.switches += row.switches;
      m.inferred_switches += row.inferred_switches;
      m.waits += row.waits;
      m.sum_delay_ns += row.sum_delay_ns;
      m.delay_share += row.delay_share;
      m.incomplete = m.incomplete || row.incomplete;
      if (row.max_delay_ns > m.max_delay_ns) {
        m.max_delay_ns = row.max_delay_ns;
        m.max_delay_start = row.max_delay_start;
        m.max_delay_end = row.max_delay_end;
      }
    }
    rows.clear();
    for (auto& [comm, row] : merged) rows.push_back(std::move(row));
  }
  SortForTable(rows);
  return rows;
}

Report Analyzer::Finish(TraceSummary summary, const ContextSnapshot* context, std::string context_file) {
  tracker_.Finish(last_ts_);
  Report r;
  r.options = options_;
  r.trace = std::move(summary);
  r.trace.events = events_;
  r.trace.start = first_ts_;
  r.trace.end = last_ts_;
  r.trace.cpus = tracker_.max_cpu() + 1;
  r.trace.cpus_with_events = tracker_.cpus_seen();
  r.trace.inferred_switches = tracker_.inferred_switches();
  r.trace.lost_events = tracker_.lost_events();
  r.trace.lost_markers = tracker_.lost_markers();
  r.trace.unobserved_waits = tracker_.unobserved_waits();
  r.trace.late_cpus.assign(tracker_.late_cpus().begin(), tracker_.late_cpus().end());
  std::vector<TaskReport> threads = BuildThreadRows(r);

  r.episodes_total = episodes_total_;
  std::sort(episodes_.begin(), episodes_.end(), [](const RawEpisode& a, const RawEpisode& b) {
    return a.start != b.start ? a.start < b.start : a.pid < b.pid;
  });
  for (RawEpisode& raw : episodes_) {
    EpisodeReport e;
    e.victim = {raw.pid, strings_.Get(raw.comm).empty() ? CommOf(raw.pid) : std::string(strings_.Get(raw.comm))};
    e.victim_prio = raw.prio;
    e.cpu = raw.cpu;
    e.start = raw.start;
    e.end = raw.end;
    e.kernel_wait_ns = raw.kernel_wait_ns;
    e.irq_ns = raw.irq_ns;
    e.softirq_ns = raw.softirq_ns;
    e.antagonists = std::move(raw.antagonists);
    e.cause = std::string(ClassifyCause(e.wait_ns(), e.irq_ns, e.softirq_ns, e.antagonists));
    e.waker = {raw.waker, raw.waker >= 0 ? CommOf(raw.waker) : std::string()};
    e.truncated = raw.truncated;
    e.work_function = std::string(strings_.Get(raw.function));
    r.episodes.push_back(std::move(e));
  }
  if (context != nullptr) {
    r.context = SummarizeContext(*context, std::move(context_file));
    for (TaskReport& t : threads) AnnotateAntagonists(t.antagonists, *context);
    for (EpisodeReport& e : r.episodes) AnnotateAntagonists(e.antagonists, *context);
  }
  r.findings = BuildFindings(r, threads, context);
  r.tasks = options_.by_comm ? MergeByComm(threads) : std::move(threads);
  return r;
}

}  // namespace kstarve
