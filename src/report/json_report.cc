#include "report/json_report.h"

#include <nlohmann/json.hpp>

namespace kstarve {

namespace {

using Json = nlohmann::ordered_json;

double Ms(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}
double Sec(int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

Json Thread(const ThreadRef& t) {
  return Json{{"pid", t.pid}, {"comm", t.comm}};
}

// Extension fields from the context snapshot, only when the thread is in it.
void AddSched(Json& j, const SchedInfo& s) {
  if (!s.known) return;
  j["policy"] = s.policy;
  j["rt_priority"] = s.rt_priority;
  j["nice"] = s.nice;
  j["kernel_thread"] = s.kernel_thread;
  if (!s.cgroup.empty()) j["cgroup"] = s.cgroup;
  if (s.cpu_shares) j["cpu_shares"] = *s.cpu_shares;
  if (s.cpu_weight) j["cpu_weight"] = *s.cpu_weight;
  if (!s.cpu_max.empty()) j["cpu_max"] = s.cpu_max;
  if (!s.workqueue.empty()) j["workqueue"] = s.workqueue;
}

Json Antagonists(const std::vector<Antagonist>& as) {
  Json arr = Json::array();
  for (const Antagonist& a : as) {
    Json j{{"pid", a.pid},
           {"comm", a.comm},
           {"prio", a.prio},
           {"class", std::string(TaskClassName(a.cls))},
           {"ms", Ms(a.ns)}};
    AddSched(j, a.sched);
    arr.push_back(std::move(j));
  }
  return arr;
}

Json Context(const ContextSummary& c) {
  Json j{{"file", c.file}, {"kernel_release", c.kernel_release}, {"threads", c.threads}};
  if (c.base_slice_ns) j["base_slice_ns"] = *c.base_slice_ns;
  if (c.rt_runtime_us) j["sched_rt_runtime_us"] = *c.rt_runtime_us;
  if (c.rt_period_us) j["sched_rt_period_us"] = *c.rt_period_us;
  if (c.fair_server_runtime_ns) j["fair_server_runtime_ns"] = *c.fair_server_runtime_ns;
  if (c.fair_server_period_ns) j["fair_server_period_ns"] = *c.fair_server_period_ns;
  j["features_off"] = c.features_off;
  return j;
}

}  // namespace

void WriteJsonReport(const Report& r, std::ostream& out, const Verdict* verdict) {
  Json j;
  j["schema"] = "kstarve.report/1";
  const TraceSummary& t = r.trace;
  j["trace"] = Json{{"format", t.format},
                    {"events", t.events},
                    {"cpus", t.cpus},
                    {"start_s", Sec(t.start)},
                    {"end_s", Sec(t.end)},
                    {"duration_s", Sec(r.duration_ns())},
                    {"inferred_switches", t.inferred_switches},
                    {"lost_events", t.lost_events},
                    // Extensions.
                    {"inputs", t.inputs},
                    {"cpus_with_events", t.cpus_with_events},
                    {"lost_markers", t.lost_markers},
                    {"unobserved_waits", t.unobserved_waits},
                    {"late_cpus", t.late_cpus},
                    {"lines", t.lines},
                    {"skipped_lines", t.skipped_lines},
                    {"other_events", t.other_events},
                    {"malformed", t.malformed},
                    {"overlong_lines", t.overlong_lines},
                    {"reordered", t.reordered},
                    {"dropped_out_of_order", t.dropped_late},
                    {"problems", t.problems},
                    {"notes", t.notes},
                    {"threshold_ms", Ms(r.options.threshold_ns)},
                    {"episodes_total", r.episodes_total}};

  Json tasks = Json::array();
  for (const TaskReport& k : r.tasks) {
    Json row{{"pid", k.pid},
             {"comm", k.comm},
             {"runtime_ms", Ms(k.runtime_ns)},
             {"switches", k.switches},
             {"avg_delay_ms", k.waits ? Ms(k.sum_delay_ns) / static_cast<double>(k.waits) : 0.0},
             {"max_delay_ms", Ms(k.max_delay_ns)},
             {"max_delay_start_s", Sec(k.max_delay_start)},
             {"max_delay_end_s", Sec(k.max_delay_end)},
             {"sum_delay_ms", Ms(k.sum_delay_ns)},
             {"delay_share", k.delay_share},
             // Extensions.
             {"waits", k.waits},
             {"prio", k.prio},
             {"inferred_switches", k.inferred_switches},
             {"per_cpu_kthread_cpu", k.bound_cpu},
             {"incomplete", k.incomplete}};
    if (r.options.by_comm) row["threads"] = k.threads;
    tasks.push_back(std::move(row));
  }
  j["tasks"] = std::move(tasks);

  Json episodes = Json::array();
  for (const EpisodeReport& e : r.episodes) {
    Json ep{{"victim", Thread(e.victim)},
            {"cpu", e.cpu},
            {"start_s", Sec(e.start)},
            {"end_s", Sec(e.end)},
            {"wait_ms", Ms(e.wait_ns())},
            {"cause", e.cause},
            {"antagonists", Antagonists(e.antagonists)},
            // Extensions.
            {"victim_prio", e.victim_prio},
            {"irq_ms", Ms(e.irq_ns)},
            {"softirq_ms", Ms(e.softirq_ns)},
            {"truncated", e.truncated}};
    if (e.kernel_wait_ns >= 0) ep["kernel_wait_ms"] = Ms(e.kernel_wait_ns);
    if (e.waker.pid >= 0) ep["waker"] = Thread(e.waker);
    if (!e.work_function.empty()) ep["work_function"] = e.work_function;
    episodes.push_back(std::move(ep));
  }
  j["episodes"] = std::move(episodes);

  Json findings = Json::array();
  for (const FindingReport& f : r.findings) {
    Json victim = Thread(f.victim);
    AddSched(victim, f.victim_sched);
    Json fj{{"victim", std::move(victim)},
            {"kind", f.kind},
            {"cause", f.cause},
            {"antagonists", Antagonists(f.antagonists)},
            {"evidence", f.evidence},
            {"recommendation", f.recommendation},
            // Extensions.
            {"delay_share", f.delay_share},
            {"per_cpu_kthread_cpu", f.bound_cpu}};
    if (!f.why.empty()) fj["why"] = f.why;
    findings.push_back(std::move(fj));
  }
  j["findings"] = std::move(findings);
  if (r.context) j["context"] = Context(*r.context);
  if (verdict != nullptr) {
    Json items = Json::array();
    for (const VerdictItem& i : verdict->items) {
      items.push_back(Json{{"victim", Thread(i.victim)},
                           {"kernel_thread", i.kernel_thread},
                           {"kind", i.kind},
                           {"cause", i.cause},
                           {"what", i.what},
                           {"behind", i.behind},
                           {"why", i.why},
                           {"fix", i.fix}});
    }
    j["verdict"] = Json{{"summary", verdict->summary}, {"starved", std::move(items)}};
  }
  // Comms are whatever bytes a thread set: invalid UTF-8 becomes U+FFFD
  // rather than an exception.
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace kstarve
