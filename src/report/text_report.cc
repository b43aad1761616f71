#include "report/text_report.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/format.h"

namespace kstarve {

namespace {

struct Style {
  bool on;
  const char* bold() const { return on ? "\033[1m" : ""; }
  const char* red() const { return on ? "\033[31m" : ""; }
  const char* yellow() const { return on ? "\033[33m" : ""; }
  const char* reset() const { return on ? "\033[0m" : ""; }
};

std::string Printf(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

const char* kRule =
    " ----------------------------------------------------------------------------------------------------------"
    "--------------------------------\n";

void WriteTable(const Report& r, const TextOptions& o, std::ostream& out) {
  out << kRule;
  out << "  Task                  |   Runtime ms  | Switches | Avg delay ms    | Max delay ms    | Max delay start "
         "          | Max delay end          |\n";
  out << kRule;
  size_t shown = 0;
  for (const TaskReport& t : r.tasks) {
    if (o.max_rows != 0 && shown == o.max_rows) break;
    ++shown;
    std::string name =
        t.pid >= 0 ? t.comm + ":" + std::to_string(t.pid) : t.comm + ":(" + std::to_string(t.threads) + ")";
    double avg = t.waits ? static_cast<double>(t.sum_delay_ns) / 1e6 / static_cast<double>(t.waits) : 0.0;
    out << Printf("  %-21s |%11s ms |%9llu | avg:%8.3f ms | max:%8s ms | max start: %12s s | max end: %12s s%s\n",
                  name.c_str(), FormatMs(t.runtime_ns).c_str(), static_cast<unsigned long long>(t.switches), avg,
                  FormatMs(t.max_delay_ns).c_str(), FormatSeconds(t.max_delay_start).c_str(),
                  FormatSeconds(t.max_delay_end).c_str(), t.incomplete ? "  (lost events)" : "");
  }
  out << kRule;
  if (shown < r.tasks.size()) {
    out << "  ... " << r.tasks.size() - shown << " more thread(s) (--top 0 shows all, --format json lists them)\n";
  }
}

std::string Held(const Antagonist& a, int64_t wait_ns) {
  std::string who = a.pid > 0 ? a.comm + " (" + std::to_string(a.pid) + ") [" + std::string(TaskClassName(a.cls)) +
                                    " prio " + std::to_string(a.prio) + "]"
                              : a.comm;
  return who + " " + FormatMs(a.ns) + " ms (" + FormatPercent(a.ns, wait_ns) + ")";
}

void WriteEpisodes(const Report& r, const TextOptions& o, const Style& s, std::ostream& out) {
  out << "\n"
      << s.bold() << "Episodes" << s.reset() << ": " << r.episodes_total << " wait(s) of at least "
      << FormatMs(r.options.threshold_ns) << " ms";
  if (r.episodes_total == 0) {
    out << ".\n";
    return;
  }
  const bool cut = o.max_episodes != 0 && r.episodes.size() > o.max_episodes;
  out << (cut ? "; the longest " + std::to_string(o.max_episodes) + ", in time order (--episodes 0 lists all)"
              : std::string())
      << ":\n";
  // Show the longest ones, in time order.
  std::vector<const EpisodeReport*> shown;
  for (const EpisodeReport& e : r.episodes) shown.push_back(&e);
  if (o.max_episodes != 0 && shown.size() > o.max_episodes) {
    std::partial_sort(shown.begin(), shown.begin() + static_cast<long>(o.max_episodes), shown.end(),
                      [](const auto* a, const auto* b) { return a->wait_ns() > b->wait_ns(); });
    shown.resize(o.max_episodes);
    std::sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) { return a->start < b->start; });
  }
  for (const EpisodeReport* e : shown) {
    out << "  " << FormatSeconds(e->start) << " s  " << s.bold() << e->victim.comm << " (" << e->victim.pid << ")"
        << s.reset() << " waited " << s.red() << FormatMs(e->wait_ns()) << " ms" << s.reset() << " on CPU " << e->cpu
        << (e->truncated ? " (until the end of the trace)" : "") << " — " << e->cause << "\n";
    out << "      ran instead: ";
    for (size_t i = 0; i < e->antagonists.size() && i < 3; ++i) {
      out << (i ? ", " : "") << Held(e->antagonists[i], e->wait_ns());
    }
    if (e->antagonists.empty()) out << "nothing traced";
    out << "\n";
    if (e->irq_ns + e->softirq_ns > 0) {
      out << "      irq " << FormatMs(e->irq_ns) << " ms, softirq " << FormatMs(e->softirq_ns) << " ms\n";
    }
    if (e->kernel_wait_ns >= 0) {
      out << "      the kernel's sched_stat_wait: " << FormatMs(e->kernel_wait_ns) << " ms on the runqueue\n";
    }
    if (e->waker.pid >= 0) out << "      woken by " << e->waker.comm << " (" << e->waker.pid << ")\n";
  }
}

// Word-wraps `text` to `width` columns; lines after the first start with
// `indent` spaces (the first line's prefix is already printed).
std::string Wrap(const std::string& text, size_t first_used, size_t indent, size_t width = 110) {
  std::string out;
  size_t col = first_used;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(' ', i);
    if (end == std::string::npos) end = text.size();
    const size_t word = end - i;
    if (col > indent && col + 1 + word > width) {
      out += "\n" + std::string(indent, ' ');
      col = indent;
    } else if (i > 0) {
      out += ' ';
      ++col;
    }
    out.append(text, i, word);
    col += word;
    i = end + 1;
  }
  return out;
}

void WriteFindings(const Report& r, const Style& s, std::ostream& out) {
  out << "\n" << s.bold() << "Findings" << s.reset();
  if (r.findings.empty()) {
    out << ": no thread waited " << FormatMs(r.options.threshold_ns) << " ms or more, and none was delayed for "
        << static_cast<int>(r.options.chronic_share * 100) << " % of the window.\n";
    return;
  }
  out << ":\n";
  int n = 0;
  for (const FindingReport& f : r.findings) {
    out << Printf("%3d. ", ++n) << s.bold() << f.victim.comm << " (" << f.victim.pid << ")" << s.reset() << " — "
        << s.yellow() << f.kind << s.reset() << ", " << f.cause;
    if (f.bound_cpu >= 0) out << ", per-CPU kernel thread of CPU " << f.bound_cpu;
    out << "\n     " << Wrap(f.evidence, 5, 5);
    if (!f.why.empty()) out << "\n     Why: " << Wrap(f.why, 10, 10);
    out << "\n     Fix: " << Wrap(f.recommendation, 10, 10) << "\n";
  }
}

}  // namespace

void WriteTextReport(const Report& r, const TextOptions& o, std::ostream& out) {
  Style s{o.color};
  WriteTable(r, o, out);
  const TraceSummary& t = r.trace;
  out << "  " << t.format << ", " << t.events << " events on "
      << (t.cpus_with_events == t.cpus ? std::to_string(t.cpus)
                                       : std::to_string(t.cpus_with_events) + " of " + std::to_string(t.cpus))
      << " CPU(s), " << FormatSeconds(t.start) << " s to " << FormatSeconds(t.end) << " s ("
      << FormatMs(r.duration_ns()) << " ms); " << t.inferred_switches << " switch-ins inferred";
  if (t.skipped_lines + t.other_events > 0) {
    out << "; skipped " << t.skipped_lines << " non-trace lines and " << t.other_events << " other events";
  }
  out << "\n";
  if (r.context) {
    out << "  context: " << r.context->file << " (Linux " << r.context->kernel_release << ", " << r.context->threads
        << " threads)\n";
  } else {
    out << "  no context snapshot: policies and cgroup weights are inferred from the trace's prio alone\n";
  }
  for (const std::string& n : t.notes) out << "  " << n << "\n";
  if (t.unobserved_waits > 0) {
    out << "  " << t.unobserved_waits << " thread(s) were woken onto CPUs this trace does not show; their waits "
        << "cannot be measured and are left out\n";
  }
  if (t.lost_markers > 0 || !t.late_cpus.empty()) {
    out << "  " << s.red() << "warning:" << s.reset() << " " << t.lost_events << " events lost in " << t.lost_markers
        << " gap(s)";
    if (!t.late_cpus.empty()) out << ", " << t.late_cpus.size() << " CPU buffer(s) start late";
    out << "; threads marked (lost events) have incomplete statistics\n";
  }
  if (t.malformed + t.overlong_lines + t.dropped_late > 0) {
    out << "  " << s.red() << "warning:" << s.reset() << " " << t.malformed << " malformed records, "
        << t.overlong_lines << " overlong lines, " << t.dropped_late << " events out of time order were skipped\n";
  }
  for (const std::string& p : t.problems) out << "    " << p << "\n";
  WriteEpisodes(r, o, s, out);
  WriteFindings(r, s, out);
}

}  // namespace kstarve
