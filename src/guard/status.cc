#include "guard/status.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "guard/journal.h"
#include "guard/live/live_host.h"

namespace kstarve::guard {

using nlohmann::json;

std::string StateJson(const GuardState& s) {
  json threads = json::array();
  for (const Engine::ThreadState& t : s.threads) {
    json j{{"pid", t.id.pid},
           {"start_time", t.id.start_time},
           {"comm", t.comm},
           {"reason", t.reason},
           {"attrs", Describe(t.applied)}};
    if (t.boost_until_ns > 0) j["boost_left_ms"] = static_cast<double>(t.boost_until_ns - s.now_ns) / 1e6;
    threads.push_back(std::move(j));
  }
  json j{{"schema", "kstarve.guard-state/1"},
         {"pid", s.pid},
         {"start_time", s.start_time},
         {"started_unix", s.started_unix},
         {"updated_unix", s.updated_unix},
         {"rules", s.rules},
         {"auto", s.auto_mode},
         {"dry_run", s.dry_run},
         {"detector", s.detector},
         {"metrics", s.metrics},
         {"threads_matched", s.threads_matched},
         {"active_boosts", s.active_boosts},
         {"boosts_total", s.boosts},
         {"restores_total", s.restores},
         {"auto_steps", s.auto_steps},
         {"threads", std::move(threads)}};
  if (s.detector_cost.available) {
    j["detector_bpf"] = {{"run_time_ns", s.detector_cost.run_time_ns()}, {"runs", s.detector_cost.runs()}};
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string StateChangeKey(const std::vector<Engine::ThreadState>& threads, const std::map<std::string, int>& steps,
                           const Metrics& m) {
  std::string key = std::to_string(m.threads_matched) + " " + std::to_string(m.active_boosts) + " " +
                    std::to_string(m.boosts) + " " + std::to_string(m.restores) + "\n";
  for (const Engine::ThreadState& t : threads) {
    key += std::to_string(t.id.pid) + " " + std::to_string(t.id.start_time) + " " + t.comm + " " + t.reason + " " +
           Describe(t.applied) + " " + std::to_string(t.boost_until_ns) + "\n";
  }
  for (const auto& [cls, step] : steps) key += cls + " " + std::to_string(step) + "\n";
  return key;
}

Status WriteStateFile(const std::string& path, const GuardState& s) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << StateJson(s);
    if (!out) return Status::Error(tmp + ": cannot write the state file");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::Error(path + ": cannot replace the state file");
  return Status::Ok();
}

int RunGuardStatus(const std::string& journal_dir, bool as_json, std::ostream& out, std::ostream& err) {
  LiveHost host;
  const int32_t live = LiveGuardPid(journal_dir, host);
  const std::string path = journal_dir + "/state.json";
  std::ifstream in(path);
  json state;
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    state = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (state.is_discarded() || !state.is_object()) {
      err << "kstarve guard status: " << path << ": expected a JSON object (kstarve.guard-state/1)\n";
      return 1;
    }
  }
  if (live == 0) {
    if (as_json) {
      out << json{{"running", false}}.dump() << "\n";
    } else {
      out << "kstarve guard: not running";
      Result<std::vector<JournalEntry>> open = ReadOpenEntries(journal_dir + "/journal");
      if (open.ok() && !open->empty()) {
        out << "; the journal holds " << open->size()
            << " changed threads of a guard that did not exit cleanly (run `kstarve guard --restore`)";
      }
      out << "\n";
    }
    return 3;
  }
  if (as_json) {
    state["running"] = true;
    out << state.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  out << "kstarve guard: running, pid " << live << "\n";
  if (!state.is_object() || state.value("pid", 0) != live) {
    out << "  (no state file from this guard yet: " << path << ")\n";
    return 0;
  }
  const std::string rules = state.value("rules", "");
  out << "  rules:     " << (rules.empty() ? "(none)" : rules) << "\n";
  out << "  mode:      " << (state.value("auto", false) ? "auto" : "rules only")
      << (state.value("dry_run", false) ? ", dry-run (nothing is changed)" : "") << "\n";
  const std::string detector = state.value("detector", "");
  out << "  detector:  " << (detector.empty() ? "(off)" : detector);
  if (state.contains("detector_bpf") && state["detector_bpf"].is_object()) {
    // Spent inside other tasks' scheduler events: not in the guard's CPU time.
    const double ns = state["detector_bpf"].value("run_time_ns", 0.0);
    const double runs = state["detector_bpf"].value("runs", 0.0);
    const double up =
        static_cast<double>(state.value("updated_unix", int64_t{0}) - state.value("started_unix", int64_t{0}));
    char line[160];
    std::snprintf(line, sizeof line, " (BPF programs: %.1f ms in %.0f runs, %.0f ns per run", ns / 1e6, runs,
                  runs > 0 ? ns / runs : 0.0);
    out << line;
    if (up > 0) {
      std::snprintf(line, sizeof line, ", %.3f %% of one CPU", ns / (up * 1e9) * 100);
      out << line;
    }
    out << ")";
  }
  out << "\n";
  const std::string metrics = state.value("metrics", "");
  out << "  metrics:   " << (metrics.empty() ? "(off)" : "http://" + metrics + "/metrics") << "\n";
  out << "  matched:   " << state.value("threads_matched", 0) << " threads\n";
  out << "  boosts:    " << state.value("active_boosts", 0) << " active, " << state.value("boosts_total", 0)
      << " in total\n";
  if (state.contains("auto_steps") && state["auto_steps"].is_object()) {
    for (const auto& [cls, step] : state["auto_steps"].items()) {
      if (step.is_number_integer() && step.get<int>() > 0) out << "  auto:      " << cls << " at step " << step << "\n";
    }
  }
  if (state.contains("threads") && state["threads"].is_array() && !state["threads"].empty()) {
    out << "  threads:\n";
    for (const json& t : state["threads"]) {
      char line[256];
      std::snprintf(line, sizeof line, "    %7d  %-24s %-22s %s", t.value("pid", 0), t.value("comm", "").c_str(),
                    t.value("attrs", "").c_str(), t.value("reason", "").c_str());
      out << line;
      if (t.contains("boost_left_ms")) out << " (" << static_cast<int>(t["boost_left_ms"].get<double>()) << " ms left)";
      out << "\n";
    }
  }
  return 0;
}

}  // namespace kstarve::guard
