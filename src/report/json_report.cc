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

Json Antagonists(const std::vector<Antagonist>& as) {
  Json arr = Json::array();
  for (const Antagonist& a : as) {
    arr.push_back(Json{{"pid", a.pid},
                       {"comm", a.comm},
                       {"prio", a.prio},
                       {"class", std::string(TaskClassName(a.cls))},
                       {"ms", Ms(a.ns)}});
  }
  return arr;
}

}  // namespace

void WriteJsonReport(const Report& r, std::ostream& out) {
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
    findings.push_back(Json{{"victim", Thread(f.victim)},
                            {"kind", f.kind},
                            {"cause", f.cause},
                            {"antagonists", Antagonists(f.antagonists)},
                            {"evidence", f.evidence},
                            {"recommendation", f.recommendation},
                            // Extensions.
                            {"delay_share", f.delay_share},
                            {"per_cpu_kthread_cpu", f.bound_cpu}});
  }
  j["findings"] = std::move(findings);
  // Comms are whatever bytes a thread set: invalid UTF-8 becomes U+FFFD
  // rather than an exception.
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace kstarve
