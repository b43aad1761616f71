#include "guard/check.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <vector>

#include "base/format.h"
#include "guard/rules.h"

namespace kstarve::guard {
namespace {

// Enough to see what a rule reaches without flooding the terminal.
constexpr size_t kMaxThreadsListed = 20;

void PrintSettings(const GuardSettings& g, std::ostream& out) {
  const DetectorOptions& d = g.detector;
  out << "guard settings:\n"
      << "  starvation: a wait of " << FormatMs(d.long_wait_ns, 0) << " ms, or waits taking "
      << std::lround(d.chronic_share * 100) << " % of " << FormatMs(d.chronic_window_ns, 0) << " ms in at least "
      << d.chronic_min_waits << " waits\n";
  out << "  boosts: " << PolicyName(g.boost_policy);
  if (g.boost_policy == Policy::kDeadline) {
    out << " runtime " << g.boost_runtime_ns / 1000 << " us per " << g.boost_period_ns / 1000
        << " us (fifo where refused)";
  } else if (g.boost_priority == 0) {
    out << " at one above the CPU's RT holder (at most 89)";
  } else {
    out << " " << g.boost_priority;
  }
  out << " for " << FormatMs(g.boost_duration_ns, 0) << " ms, within " << std::lround(g.boost_budget * 100)
      << " % of one CPU\n";
  out << "  --auto: " << g.auto_reports << " reports within " << FormatMs(g.auto_window_ns, 0)
      << " ms escalate a class; it steps down after " << FormatMs(g.auto_quiet_ns, 0) << " ms without reports\n";
}

void PrintHostThreads(const RuleSet& set, const Rule& rule, const std::vector<ThreadInfo>& threads, std::ostream& out) {
  std::vector<const ThreadInfo*> taken;
  size_t shadowed = 0;
  for (const ThreadInfo& t : threads) {
    if (!Matches(rule.match, t)) continue;
    if (FirstMatch(set, t) == &rule) {
      taken.push_back(&t);
    } else {
      ++shadowed;
    }
  }
  if (taken.empty()) {
    out << "  on this host now: no thread (the rule applies when one appears)\n";
  } else {
    out << "  on this host now: " << taken.size() << (taken.size() == 1 ? " thread\n" : " threads\n");
  }
  for (size_t i = 0; i < taken.size() && i < kMaxThreadsListed; ++i) {
    const ThreadInfo& t = *taken[i];
    SchedAttrs next = Apply(rule.action, t.attrs);
    out << "    pid " << t.id.pid << " " << t.comm << ": " << Describe(t.attrs);
    if (next == t.attrs) {
      out << " (already so)\n";
    } else {
      out << " -> " << Describe(next) << "\n";
    }
  }
  if (taken.size() > kMaxThreadsListed) out << "    ... and " << taken.size() - kMaxThreadsListed << " more\n";
  if (shadowed > 0) out << "  also matches " << shadowed << " thread(s) an earlier rule takes\n";
}

}  // namespace

int RunGuardCheck(const std::string& path, bool force, Host* host, std::ostream& out, std::ostream& err) {
  RuleParseOptions options;
  options.force = force;
  Result<RuleSet> loaded = LoadRulesFile(path, options);
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n" << path << ": refused\n";
    return 1;
  }
  const RuleSet& set = *loaded;
  for (const std::string& w : set.warnings) err << "warning: " << w << "\n";
  out << path << ": valid, " << set.rules.size() << (set.rules.size() == 1 ? " rule" : " rules")
      << " (the first rule that matches a thread decides)\n";
  PrintSettings(set.guard, out);
  std::vector<ThreadInfo> threads;
  if (host != nullptr) {
    threads = host->ListThreads();
    std::sort(threads.begin(), threads.end(),
              [](const ThreadInfo& a, const ThreadInfo& b) { return a.id.pid < b.id.pid; });
  }
  for (size_t i = 0; i < set.rules.size(); ++i) {
    const Rule& rule = set.rules[i];
    out << "rule " << i + 1 << " '" << rule.name << "' (line " << rule.line << ")\n"
        << "  matches: " << DescribeMatch(rule.match) << "\n"
        << "  sets:    " << DescribeAction(rule.action) << "\n";
    if (host != nullptr) PrintHostThreads(set, rule, threads, out);
  }
  return 0;
}

}  // namespace kstarve::guard
