// Standing rules: which threads get which scheduling attributes. Parsed from
// TOML (`--rules FILE`); see docs/guard.md for the grammar.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/status.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

struct RuleMatch {
  std::optional<std::string> comm_glob;   // fnmatch on comm with the kworker "-suffix" removed
  std::optional<std::string> comm_regex;  // ECMAScript, full match on the same text
  std::optional<std::regex> comm_re;      // compiled comm_regex
  std::optional<bool> kernel_thread;
  std::vector<int> cpus;                  // the thread is bound to one of these CPUs; empty: any
  std::optional<std::string> workqueue;   // glob on the kworker's workqueue suffix
  std::optional<std::string> process;     // glob on the thread group leader's comm
};

struct RuleAction {
  std::optional<Policy> policy;
  std::optional<int> priority;  // fifo/rr
  std::optional<int> nice;      // other/batch
  std::optional<uint64_t> runtime_ns, deadline_ns, period_ns;  // deadline
  std::vector<int> affinity;    // empty: unchanged
};

struct Rule {
  std::string name;
  int line = 0;  // where the rule starts in the file
  RuleMatch match;
  RuleAction action;
};

struct RuleSet {
  std::string file;
  std::vector<Rule> rules;  // first match wins
};

struct RuleParseOptions {
  bool force = false;  // allow fifo/rr >= 90 and rules that match every thread
};

// Parses TOML text; errors name file, line and key.
Result<RuleSet> ParseRules(const std::string& text, const std::string& file, const RuleParseOptions& options = {});
// Reads and parses a file; refuses files not owned by root or writable by group/others.
Result<RuleSet> LoadRulesFile(const std::string& path, const RuleParseOptions& options = {});

bool Matches(const RuleMatch& m, const ThreadInfo& t);
const Rule* FirstMatch(const RuleSet& rules, const ThreadInfo& t);
// The attributes `t` gets under `action` (fields the action leaves unset keep t's values).
SchedAttrs Apply(const RuleAction& action, const SchedAttrs& current);

}  // namespace kstarve::guard
