// Standing rules: which threads get which scheduling attributes, plus the
// guard's own settings. Parsed from TOML (`--rules FILE`); the grammar is in
// docs/guard-rules.md.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/status.h"
#include "guard/starvation.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

inline constexpr char kDefaultRulesPath[] = "/etc/kstarve/rules.toml";
// FIFO/RR priorities from here up belong to the kernel's own RT threads
// (migration, watchdogs, threaded IRQs at 50 are below): refused unless forced.
inline constexpr int kUnsafeRtPriority = 90;

struct RuleMatch {
  std::optional<std::string> comm_glob;   // fnmatch on comm with the kworker "-suffix" removed
  std::optional<std::string> comm_regex;  // ECMAScript, full match on the same text
  std::optional<std::regex> comm_re;      // compiled comm_regex
  std::optional<bool> kernel_thread;
  std::vector<int> cpus;                 // the thread is bound to one of these CPUs; empty: any
  std::optional<std::string> workqueue;  // glob on the kworker's workqueue suffix
  std::optional<std::string> process;    // glob on the thread group leader's comm
};

struct RuleAction {
  std::optional<Policy> policy;
  std::optional<int> priority;                                 // fifo/rr
  std::optional<int> nice;                                     // other/batch
  std::optional<uint64_t> runtime_ns, deadline_ns, period_ns;  // deadline
  std::vector<int> affinity;                                   // empty: unchanged
};

struct Rule {
  std::string name;
  int line = 0;  // where the rule starts in the file
  RuleMatch match;
  RuleAction action;
};

// The [guard] table: how the daemon detects starvation and boosts. Every
// field has a default, so a file without [guard] gives these values.
struct GuardSettings {
  // long_wait_ms, chronic_window_ms, chronic_share, chronic_min_waits, poll_interval_ms
  DetectorOptions detector;
  // boost_policy: "fifo" or "deadline" (the daemon falls back to fifo where
  // the kernel refuses deadline, e.g. on per-CPU kernel threads).
  Policy boost_policy = Policy::kFifo;
  // boost_priority: FIFO priority of a boost, 1..89; 0 = automatic (one
  // above the RT holder of the CPU, 1 if the holder is fair; at most 89).
  int boost_priority = 0;
  // boost_runtime_us, boost_period_us: a deadline boost's reservation
  // (checked like sched_setattr does: runtime >= 1024 ns, runtime <= period).
  uint64_t boost_runtime_ns = 1'000'000;
  uint64_t boost_period_ns = 10'000'000;
  int64_t boost_duration_ns = 50'000'000;  // boost_duration_ms: how long one boost lasts
  // boost_budget: total boosted time per second across all boosts, as a
  // share of one CPU (0 < budget <= 1); boosts beyond it are refused.
  double boost_budget = 0.20;
  // --auto: auto_reports starvation reports of one class within
  // auto_window_ms escalate it one step; it steps back down after
  // auto_quiet_ms without reports, never sooner than auto_hold_ms after
  // its last escalation.
  int auto_reports = 3;
  int64_t auto_window_ns = 10'000'000'000;
  // 30 s: a class is quiet because of its step, and stepping down brings the
  // starvation back for as long as it takes to climb again (session 4: 10 s
  // ended inside the brief's 12 s fio run).
  int64_t auto_quiet_ns = 30'000'000'000;
  int64_t auto_hold_ns = 5'000'000'000;
};

struct RuleSet {
  std::string file;
  std::vector<Rule> rules;  // first match wins
  GuardSettings guard;
  // "FILE:LINE: ..." notes that do not make the file invalid: settings the
  // kernel is likely to refuse, and safety checks overridden by --force.
  std::vector<std::string> warnings;
};

struct RuleParseOptions {
  bool force = false;  // allow fifo/rr >= 90 and rules that match every thread
};

// Parses TOML text; errors name file, line and key. All errors found are
// reported, one per line of the message.
Result<RuleSet> ParseRules(const std::string& text, const std::string& file, const RuleParseOptions& options = {});
// Reads and parses a file; refuses files not owned by root or writable by
// group/others (checked on the opened file, so after following symlinks).
// When the effective uid is not 0, a file owned by that uid is accepted too.
Result<RuleSet> LoadRulesFile(const std::string& path, const RuleParseOptions& options = {});

bool Matches(const RuleMatch& m, const ThreadInfo& t);
const Rule* FirstMatch(const RuleSet& rules, const ThreadInfo& t);
// The attributes `t` gets under `action` (fields the action leaves unset keep t's values).
SchedAttrs Apply(const RuleAction& action, const SchedAttrs& current);

// Plain words for logs and `guard --check`: "kernel threads named like
// 'kworker/*', bound to CPU 1, serving a workqueue like 'dio*'".
std::string DescribeMatch(const RuleMatch& m);
// "policy fifo, priority 51", "nice -20", "affinity CPUs 0-1".
std::string DescribeAction(const RuleAction& a);

}  // namespace kstarve::guard
