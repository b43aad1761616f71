// TOML text -> RuleSet. Every error names the file, the line and the key, and
// the parser goes on after an error so one run of `guard --check` lists them
// all. toml++ is used header-only with exceptions off (its parse() then
// returns errors as values), so this is the only file that includes it.
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guard/cpu_list.h"
#include "guard/rules.h"
#include "guard/rules_safety.h"
#include "guard/toml_mask.h"

namespace kstarve::guard {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 2> kTopKeys = {"guard", "rule"};
constexpr std::array<std::string_view, 3> kRuleKeys = {"name", "match", "action"};
constexpr std::array<std::string_view, 6> kMatchKeys = {"comm", "comm_regex", "kernel_thread",
                                                        "cpus", "workqueue",  "process"};
constexpr std::array<std::string_view, 7> kActionKeys = {"policy",      "priority",  "nice",    "runtime_us",
                                                         "deadline_us", "period_us", "affinity"};
constexpr std::array<std::string_view, 15> kGuardKeys = {
    "long_wait_ms", "chronic_window_ms", "chronic_share",    "chronic_min_waits", "poll_interval_ms",
    "boost_policy", "boost_priority",    "boost_runtime_us", "boost_period_us",   "boost_duration_ms",
    "boost_budget", "auto_reports",      "auto_window_ms",   "auto_quiet_ms",     "auto_hold_ms"};

// Kernel limits (kernel/sched/deadline.c, __checkparam_dl): the runtime is
// kept in units of 2^DL_SCALE ns; the period must lie within
// sched_deadline_period_{min,max}_us (defaults 100 us and 2^22 us).
constexpr uint64_t kDlMinRuntimeNs = 1ULL << 10;
constexpr uint64_t kDlMinPeriodUs = 100;
constexpr uint64_t kDlMaxPeriodUs = 1ULL << 22;
// Longer regexes cannot be about a comm (at most 64 characters) and would
// only make the compiled automaton expensive.
constexpr size_t kMaxPatternLength = 256;

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Levenshtein distance, for "did you mean" on unknown keys.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string JoinKeys(Keys keys) {
  std::string out;
  for (std::string_view k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

class Parser {
 public:
  Parser(const std::string& file, const RuleParseOptions& options) : file_(file), options_(options) {}

  Result<RuleSet> Run(std::string_view text) {
    RuleSet set;
    set.file = file_;
    std::optional<std::string> masked = MaskForToml(text);
    if (!masked) {
      return Status::Error(file_ +
                           ": uses private-use Unicode characters (U+E000 and up), which rules files cannot have");
    }
    toml::parse_result parsed = toml::parse(*masked, file_);
    if (!parsed) {
      const toml::parse_error& e = parsed.error();
      return Status::Error(UnmaskFromToml(file_ + ":" + std::to_string(e.source().begin.line) + ":" +
                                          std::to_string(e.source().begin.column) +
                                          ": not valid TOML: " + std::string(e.description())));
    }
    const toml::table& root = parsed.table();
    CheckKeys(root, "", kTopKeys, 1);
    if (const toml::node* guard = root.get("guard")) ParseGuard(*guard, set.guard);
    if (const toml::node* rules = root.get("rule")) ParseRuleArray(*rules, set);
    set.warnings = InLineOrder(std::move(warnings_));
    for (std::string& w : set.warnings) w = UnmaskFromToml(w);
    if (!errors_.empty()) {
      std::string message;
      for (const std::string& e : InLineOrder(std::move(errors_))) message += (message.empty() ? "" : "\n") + e;
      message = UnmaskFromToml(message);
      return Status::Error(message);
    }
    return set;
  }

 private:
  static int LineOf(const toml::node& n, int fallback) {
    int line = static_cast<int>(n.source().begin.line);
    return line > 0 ? line : fallback;
  }

  std::string Where(int line, std::string_view key) const {
    return file_ + ":" + std::to_string(line) + ": key " + Quote(key) + ": ";
  }
  void Error(int line, std::string_view key, const std::string& what) {
    errors_.emplace_back(line, Where(line, key) + what);
  }
  void Warn(int line, std::string_view key, const std::string& what) {
    warnings_.emplace_back(line, Where(line, key) + what);
  }
  // Messages in file order, whatever order the checks ran in.
  static std::vector<std::string> InLineOrder(std::vector<std::pair<int, std::string>> notes) {
    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    out.reserve(notes.size());
    for (auto& n : notes) out.push_back(std::move(n.second));
    return out;
  }
  // A safety check: an error, or with --force a warning saying it was allowed.
  void Unsafe(int line, std::string_view key, const std::string& what) {
    if (options_.force) {
      Warn(line, key, what + " (allowed by --force)");
    } else {
      Error(line, key, what + "; use --force to allow");
    }
  }

  // Reports keys of `table` not in `allowed`; `prefix` is the dotted path
  // of the table ("" at the top, "action." ...).
  void CheckKeys(const toml::table& table, std::string_view prefix, Keys allowed, int fallback_line) {
    for (auto&& [key, node] : table) {
      std::string_view name = key.str();
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string what = "unknown key";
      std::string_view best;
      size_t best_distance = 3;  // suggest only close keys
      for (std::string_view candidate : allowed) {
        // A close spelling, or a key cut short ("long_wait" for "long_wait_ms").
        size_t d = name.size() >= 3 && candidate.starts_with(name) ? 1 : EditDistance(name, candidate);
        if (d < best_distance) best_distance = d, best = candidate;
      }
      if (!best.empty()) {
        what += "; did you mean " + Quote(best) + "?";
      } else {
        what += "; expected one of: " + JoinKeys(allowed);
      }
      int line = static_cast<int>(key.source().begin.line);
      Error(line > 0 ? line : LineOf(node, fallback_line), std::string(prefix) + std::string(name), what);
    }
  }

  const toml::table* Table(const toml::node& n, std::string_view key, int line, std::string_view expected) {
    if (const toml::table* t = n.as_table()) return t;
    Error(LineOf(n, line), key, "expected " + std::string(expected) + ", got " + std::string(TypeName(n)));
    return nullptr;
  }

  std::optional<int64_t> Int(const toml::node& n, std::string_view key, int64_t min, int64_t max, int line) {
    const auto* v = n.as_integer();
    if (v == nullptr) {
      Error(LineOf(n, line), key, "expected an integer, got " + std::string(TypeName(n)));
      return std::nullopt;
    }
    int64_t x = v->get();
    if (x < min || x > max) {
      Error(
          LineOf(n, line), key,
          std::to_string(x) + " is out of range (expected " + std::to_string(min) + " to " + std::to_string(max) + ")");
      return std::nullopt;
    }
    return x;
  }

  std::optional<std::string> String(const toml::node& n, std::string_view key, int line) {
    const auto* v = n.as_string();
    if (v == nullptr) {
      Error(LineOf(n, line), key, "expected a string, got " + std::string(TypeName(n)));
      return std::nullopt;
    }
    if (v->get().empty()) {
      Error(LineOf(n, line), key, "expected a non-empty string");
      return std::nullopt;
    }
    return UnmaskFromToml(v->get());
  }

  std::optional<std::string> Pattern(const toml::node& n, std::string_view key, int line) {
    std::optional<std::string> s = String(n, key, line);
    if (s && s->size() > kMaxPatternLength) {
      Error(LineOf(n, line), key,
            "pattern is " + std::to_string(s->size()) + " characters long (at most " +
                std::to_string(kMaxPatternLength) + ")");
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::vector<int>> CpuList(const toml::node& n, std::string_view key, int line) {
    const char kExpected[] = "expected a list of CPU numbers like [1, 3] or a string like \"0-3,5\"";
    Result<std::vector<int>> cpus = Status::Error("unset");
    if (const auto* s = n.as_string()) {
      cpus = ParseCpuList(s->get());
    } else if (const toml::array* a = n.as_array()) {
      std::vector<long long> numbers;
      for (const toml::node& el : *a) {
        const auto* v = el.as_integer();
        if (v == nullptr) {
          Error(LineOf(el, line), key, std::string(kExpected) + ", got " + std::string(TypeName(el)) + " in the list");
          return std::nullopt;
        }
        numbers.push_back(v->get());
      }
      cpus = NormalizeCpuList(numbers);
    } else {
      Error(LineOf(n, line), key, std::string(kExpected) + ", got " + std::string(TypeName(n)));
      return std::nullopt;
    }
    if (!cpus.ok()) {
      Error(LineOf(n, line), key, cpus.status().message());
      return std::nullopt;
    }
    if (cpus->empty()) {
      Error(LineOf(n, line), key, std::string(kExpected) + ", got an empty list");
      return std::nullopt;
    }
    return std::move(cpus.value());
  }

  std::optional<Policy> PolicyValue(const toml::node& n, std::string_view key, int line) {
    std::optional<std::string> s = String(n, key, line);
    if (!s) return std::nullopt;
    static constexpr std::array<Policy, 6> kAll = {Policy::kOther, Policy::kBatch, Policy::kIdle,
                                                   Policy::kFifo,  Policy::kRr,    Policy::kDeadline};
    for (Policy p : kAll) {
      if (*s == PolicyName(p)) return p;
    }
    std::string what = Quote(*s) + " is not a policy (expected other, batch, idle, fifo, rr or deadline)";
    if (*s == "normal") what += "; SCHED_NORMAL is called 'other'";
    Error(LineOf(n, line), key, what);
    return std::nullopt;
  }

  void ParseGuard(const toml::node& node, GuardSettings& g) {
    const toml::table* t = Table(node, "guard", 1, "a [guard] table");
    if (t == nullptr) return;
    int line = LineOf(node, 1);
    CheckKeys(*t, "guard.", kGuardKeys, line);
    constexpr int64_t kMs = 1'000'000;
    constexpr int64_t kHour = 3'600'000;  // in ms: an upper bound for every duration
    auto ms = [&](std::string_view key, int64_t min, int64_t& out) {
      if (const toml::node* n = t->get(key)) {
        if (auto v = Int(*n, "guard." + std::string(key), min, kHour, line)) out = *v * kMs;
      }
    };
    ms("long_wait_ms", 1, g.detector.long_wait_ns);
    ms("chronic_window_ms", 10, g.detector.chronic_window_ns);
    ms("poll_interval_ms", 1, g.detector.poll_interval_ns);
    ms("boost_duration_ms", 1, g.boost_duration_ns);
    ms("auto_window_ms", 1, g.auto_window_ns);
    ms("auto_quiet_ms", 1, g.auto_quiet_ns);
    ms("auto_hold_ms", 0, g.auto_hold_ns);
    if (const toml::node* n = t->get("chronic_min_waits")) {
      if (auto v = Int(*n, "guard.chronic_min_waits", 1, 1'000'000, line)) {
        g.detector.chronic_min_waits = static_cast<uint64_t>(*v);
      }
    }
    if (const toml::node* n = t->get("auto_reports")) {
      if (auto v = Int(*n, "guard.auto_reports", 1, 1'000'000, line)) g.auto_reports = static_cast<int>(*v);
    }
    if (const toml::node* n = t->get("chronic_share")) {
      if (auto v = Share(*n, "guard.chronic_share", line)) g.detector.chronic_share = *v;
    }
    if (const toml::node* n = t->get("boost_budget")) {
      if (auto v = Share(*n, "guard.boost_budget", line)) g.boost_budget = *v;
    }
    if (const toml::node* n = t->get("boost_policy")) {
      if (auto p = PolicyValue(*n, "guard.boost_policy", line)) {
        if (*p == Policy::kFifo || *p == Policy::kDeadline) {
          g.boost_policy = *p;
        } else {
          Error(LineOf(*n, line), "guard.boost_policy",
                Quote(PolicyName(*p)) + " cannot boost; expected fifo or deadline");
        }
      }
    }
    if (const toml::node* n = t->get("boost_priority")) {
      if (auto v = Int(*n, "guard.boost_priority", 0, 99, line)) {
        g.boost_priority = static_cast<int>(*v);
        if (*v >= kUnsafeRtPriority) UnsafePriority(LineOf(*n, line), "guard.boost_priority", *v);
      }
    }
    auto us = [&](std::string_view key, uint64_t& out) {
      if (const toml::node* n = t->get(key)) {
        if (auto v = Int(*n, "guard." + std::string(key), 1, static_cast<int64_t>(kDlMaxPeriodUs), line)) {
          out = static_cast<uint64_t>(*v) * 1000;
        }
      }
    };
    us("boost_runtime_us", g.boost_runtime_ns);
    us("boost_period_us", g.boost_period_ns);
    if (auto what = DeadlineProblem(g.boost_runtime_ns, g.boost_period_ns, g.boost_period_ns)) {
      Error(line, t->contains("boost_runtime_us") ? "guard.boost_runtime_us" : "guard.boost_period_us", *what);
    }
  }

  std::optional<double> Share(const toml::node& n, std::string_view key, int line) {
    double x = 0;
    if (const auto* f = n.as_floating_point()) {
      x = f->get();
    } else if (const auto* i = n.as_integer()) {
      x = static_cast<double>(i->get());
    } else {
      Error(LineOf(n, line), key, "expected a number between 0 and 1, got " + std::string(TypeName(n)));
      return std::nullopt;
    }
    if (!(x > 0 && x <= 1)) {  // also refuses NaN
      Error(LineOf(n, line), key, "expected a share above 0 and at most 1");
      return std::nullopt;
    }
    return x;
  }

  void UnsafePriority(int line, std::string_view key, int64_t priority) {
    Unsafe(line, key,
           std::to_string(priority) + " is at or above " + std::to_string(kUnsafeRtPriority) +
               ", which starves the kernel's own RT threads (migration, watchdogs)");
  }

  // The checks of the kernel's __checkparam_dl, on ns values; nullopt if fine.
  static std::optional<std::string> DeadlineProblem(uint64_t runtime, uint64_t deadline, uint64_t period) {
    if (runtime < kDlMinRuntimeNs) return "the runtime must be at least 1024 ns (2 us)";
    if (deadline < runtime) return "the runtime must not exceed the deadline";
    if (period < deadline) return "the deadline must not exceed the period";
    if (period < kDlMinPeriodUs * 1000 || period > kDlMaxPeriodUs * 1000) {
      return "the period must be between " + std::to_string(kDlMinPeriodUs) + " us and " +
             std::to_string(kDlMaxPeriodUs) + " us (sched_deadline_period_min_us/max_us)";
    }
    return std::nullopt;
  }

  void ParseRuleArray(const toml::node& node, RuleSet& set) {
    const toml::array* rules = node.as_array();
    if (rules == nullptr || !rules->is_array_of_tables()) {
      Error(LineOf(node, 1), "rule", "expected [[rule]] tables, got " + std::string(TypeName(node)));
      return;
    }
    for (const toml::node& el : *rules) {
      Rule rule;
      if (ParseRule(*el.as_table(), set, rule)) set.rules.push_back(std::move(rule));
    }
  }

  // False if the rule has errors (they are recorded).
  bool ParseRule(const toml::table& t, const RuleSet& set, Rule& rule) {
    size_t errors_before = errors_.size();
    rule.line = LineOf(t, 1);
    CheckKeys(t, "", kRuleKeys, rule.line);
    if (const toml::node* n = t.get("name")) {
      if (auto name = String(*n, "name", rule.line)) {
        rule.name = *name;
        for (const Rule& other : set.rules) {
          if (other.name == rule.name) {
            Error(LineOf(*n, rule.line), "name",
                  "duplicate rule name " + Quote(rule.name) + " (first used by the rule at line " +
                      std::to_string(other.line) + ")");
          }
        }
      }
    } else {
      Error(rule.line, "name", "missing: every [[rule]] needs a name (logs and metrics use it)");
    }
    const toml::node* match = t.get("match");
    const toml::node* action = t.get("action");
    if (match == nullptr) Error(rule.line, "match", "missing: every [[rule]] needs a match table");
    if (action == nullptr) Error(rule.line, "action", "missing: every [[rule]] needs an action table");
    if (match != nullptr) ParseMatch(*match, rule);
    if (action != nullptr) ParseAction(*action, rule);
    if (errors_.size() != errors_before) return false;
    CheckSafety(match != nullptr ? LineOf(*match, rule.line) : rule.line, rule);
    return errors_.size() == errors_before;
  }

  void ParseMatch(const toml::node& node, Rule& rule) {
    const toml::table* t = Table(node, "match", rule.line, "a table like { comm = \"kworker/*\" }");
    if (t == nullptr) return;
    int line = LineOf(node, rule.line);
    CheckKeys(*t, "match.", kMatchKeys, line);
    if (t->empty()) {
      Error(line, "match", "is empty; give at least one of: " + JoinKeys(kMatchKeys));
      return;
    }
    RuleMatch& m = rule.match;
    if (const toml::node* n = t->get("comm")) m.comm_glob = Pattern(*n, "match.comm", line);
    if (const toml::node* n = t->get("comm_regex")) {
      m.comm_regex = Pattern(*n, "match.comm_regex", line);
      if (m.comm_regex) {
        // std::regex reports a bad pattern only by throwing; this is parse
        // time, not a hot path.
        try {
          m.comm_re.emplace(*m.comm_regex, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          Error(LineOf(*n, line), "match.comm_regex",
                "bad regular expression " + Quote(*m.comm_regex) + ": " + e.what());
          m.comm_regex.reset();
        }
      }
    }
    if (const toml::node* n = t->get("kernel_thread")) {
      if (const auto* b = n->as_boolean()) {
        m.kernel_thread = b->get();
      } else {
        Error(LineOf(*n, line), "match.kernel_thread", "expected true or false, got " + std::string(TypeName(*n)));
      }
    }
    if (const toml::node* n = t->get("cpus")) {
      if (auto cpus = CpuList(*n, "match.cpus", line)) m.cpus = std::move(*cpus);
    }
    if (const toml::node* n = t->get("workqueue")) m.workqueue = Pattern(*n, "match.workqueue", line);
    if (const toml::node* n = t->get("process")) m.process = Pattern(*n, "match.process", line);
  }

  void ParseAction(const toml::node& node, Rule& rule) {
    const toml::table* t = Table(node, "action", rule.line, "a table like { nice = -20 }");
    if (t == nullptr) return;
    int line = LineOf(node, rule.line);
    CheckKeys(*t, "action.", kActionKeys, line);
    RuleAction& a = rule.action;
    auto line_of = [&](std::string_view key) { return LineOf(*t->get(key), line); };
    if (const toml::node* n = t->get("policy")) a.policy = PolicyValue(*n, "action.policy", line);
    if (const toml::node* n = t->get("priority")) {
      if (auto v = Int(*n, "action.priority", 1, 99, line)) a.priority = static_cast<int>(*v);
    }
    if (const toml::node* n = t->get("nice")) {
      if (auto v = Int(*n, "action.nice", -20, 19, line)) a.nice = static_cast<int>(*v);
    }
    auto us = [&](std::string_view key, std::optional<uint64_t>& out) {
      if (const toml::node* n = t->get(key)) {
        // The upper bound is the largest period; the runtime and deadline
        // cannot exceed it, so this also keeps *1000 from overflowing.
        if (auto v = Int(*n, "action." + std::string(key), 1, static_cast<int64_t>(kDlMaxPeriodUs), line)) {
          out = static_cast<uint64_t>(*v) * 1000;
        }
      }
    };
    us("runtime_us", a.runtime_ns);
    us("deadline_us", a.deadline_ns);
    us("period_us", a.period_ns);
    if (const toml::node* n = t->get("affinity")) {
      if (auto cpus = CpuList(*n, "action.affinity", line)) a.affinity = std::move(*cpus);
    }
    if (t->empty()) {
      Error(line, "action", "sets nothing; give at least one of: policy, nice, affinity");
      return;
    }
    if (t->contains("policy") && !a.policy) return;  // already reported; conflicts would only add noise
    const bool has_dl = t->contains("runtime_us") || t->contains("deadline_us") || t->contains("period_us");
    const std::optional<Policy>& p = a.policy;
    const bool rt = p && (*p == Policy::kFifo || *p == Policy::kRr);
    if (t->contains("priority") && !rt) {
      Error(line_of("priority"), "action.priority",
            p ? "conflicts with policy " + Quote(PolicyName(*p)) + ": only fifo and rr take a priority"
              : "needs policy fifo or rr");
    }
    if (rt && !t->contains("priority")) {
      Error(line_of("policy"), "action.policy", "policy " + Quote(PolicyName(*p)) + " needs a priority (1 to 89)");
    }
    if (t->contains("nice") && p && *p != Policy::kOther && *p != Policy::kBatch) {
      Error(line_of("nice"), "action.nice",
            "conflicts with policy " + Quote(PolicyName(*p)) + ": only other and batch take a nice value");
    }
    if (has_dl && (!p || *p != Policy::kDeadline)) {
      std::string_view key = t->contains("runtime_us")    ? "runtime_us"
                             : t->contains("deadline_us") ? "deadline_us"
                                                          : "period_us";
      Error(line_of(key), "action." + std::string(key),
            p ? "conflicts with policy " + Quote(PolicyName(*p)) + ": only deadline takes runtime/deadline/period"
              : "needs policy deadline");
    }
    if (p && *p == Policy::kDeadline) CheckDeadline(*t, line, a);
    if (rt && a.priority && *a.priority >= kUnsafeRtPriority) {
      UnsafePriority(line_of("priority"), "action.priority", *a.priority);
    }
  }

  void CheckDeadline(const toml::table& t, int line, RuleAction& a) {
    if (!a.runtime_ns) {
      if (!t.contains("runtime_us")) Error(line, "action.runtime_us", "missing: policy deadline needs runtime_us");
      return;
    }
    if (!a.deadline_ns && !a.period_ns) {
      if (!t.contains("deadline_us") && !t.contains("period_us")) {
        Error(line, "action.period_us", "missing: policy deadline needs period_us (or deadline_us)");
      }
      return;
    }
    // As the kernel does: a period of 0 means "equal to the deadline"; here
    // either may be left out and takes the other's value.
    if (!a.deadline_ns) a.deadline_ns = a.period_ns;
    if (!a.period_ns) a.period_ns = a.deadline_ns;
    if (auto what = DeadlineProblem(*a.runtime_ns, *a.deadline_ns, *a.period_ns)) {
      std::string_view key = what->find("runtime") != std::string::npos ? "runtime_us"
                             : t.contains("deadline_us")                ? "deadline_us"
                                                                        : "period_us";
      Error(t.contains(key) ? LineOf(*t.get(key), line) : line, "action." + std::string(key), *what);
    }
  }

  void CheckSafety(int match_line, const Rule& rule) {
    if (MatchesEveryThread(rule.match)) {
      Unsafe(match_line, "match",
             "matches every thread of the system (no key restricts it); restrict it, e.g. kernel_thread = true");
    }
    const RuleMatch& m = rule.match;
    const bool bound = !m.cpus.empty() || (m.kernel_thread && *m.kernel_thread);
    if (rule.action.policy == Policy::kDeadline && bound) {
      Warn(rule.line, "action.policy",
           "the kernel refuses SCHED_DEADLINE (EPERM) for threads bound to one CPU while RT throttling is on; "
           "only unbound threads will take it");
    }
    if (!rule.action.affinity.empty() && m.kernel_thread && *m.kernel_thread) {
      Warn(rule.line, "action.affinity", "the kernel refuses affinity changes for per-CPU kernel threads");
    }
  }

  const std::string& file_;
  RuleParseOptions options_;
  std::vector<std::pair<int, std::string>> errors_;  // (line, message)
  std::vector<std::pair<int, std::string>> warnings_;
};

}  // namespace

Result<RuleSet> ParseRules(const std::string& text, const std::string& file, const RuleParseOptions& options) {
  return Parser(file, options).Run(text);
}

}  // namespace kstarve::guard
