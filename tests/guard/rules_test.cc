// Bad rules are refused with an error naming the file, the line and the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "rules_test_util.h"

namespace kstarve::guard::testing {
namespace {

using ::testing::HasSubstr;

// A rule whose match is on line 4 and whose action is on line 5.
std::string Rule(const std::string& match, const std::string& action) {
  return "# a comment\n"
         "[[rule]]\n"
         "name = \"r\"\n"
         "match = " +
         match + "\n" + "action = " + action + "\n";
}

const char kKworkers[] = "{ comm = \"kworker/*\", kernel_thread = true }";

TEST(RulesParse, UnknownMatchKeyNamesLineKeyAndSuggestion) {
  std::string e = ParseError(Rule("{ com = \"kworker/*\" }", "{ nice = -5 }"));
  EXPECT_THAT(e, HasSubstr("t.toml:4: key 'match.com': unknown key; did you mean 'comm'?"));
}

TEST(RulesParse, UnknownActionKey) {
  std::string e = ParseError(Rule(kKworkers, "{ nice = -5, prio = 3 }"));
  EXPECT_THAT(e, HasSubstr("t.toml:5: key 'action.prio': unknown key"));
}

TEST(RulesParse, UnknownRuleTopAndGuardKeys) {
  std::string e = ParseError(
      "[guard]\nlong_wait = 5\n"  // line 2
      "[[rule]]\nname = \"r\"\nmatch = { kernel_thread = true }\naction = { nice = 1 }\n"
      "enabled = true\n"  // line 7, inside [[rule]]
      "[rules]\n");       // line 8
  EXPECT_THAT(e, HasSubstr("t.toml:2: key 'guard.long_wait': unknown key; did you mean 'long_wait_ms'?"));
  EXPECT_THAT(e, HasSubstr("t.toml:7: key 'enabled': unknown key"));
  EXPECT_THAT(e, HasSubstr("t.toml:8: key 'rules': unknown key; did you mean 'rule'?"));
}

TEST(RulesParse, BadRegex) {
  std::string e = ParseError(Rule("{ comm_regex = \"kworker/([0-9]\" }", "{ nice = -5 }"));
  EXPECT_THAT(e, HasSubstr("t.toml:4: key 'match.comm_regex': bad regular expression 'kworker/([0-9]'"));
}

TEST(RulesParse, PriorityOutOfRange) {
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"fifo\", priority = 100 }")),
              HasSubstr("t.toml:5: key 'action.priority': 100 is out of range (expected 1 to 99)"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"rr\", priority = 0 }")),
              HasSubstr("t.toml:5: key 'action.priority': 0 is out of range"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ nice = -21 }")),
              HasSubstr("t.toml:5: key 'action.nice': -21 is out of range (expected -20 to 19)"));
}

TEST(RulesParse, RtPriorityAtOrAbove90NeedsForce) {
  std::string rule = Rule(kKworkers, "{ policy = \"fifo\", priority = 95 }");
  EXPECT_THAT(ParseError(rule), HasSubstr("t.toml:5: key 'action.priority': 95 is at or above 90, which starves the "
                                          "kernel's own RT threads (migration, watchdogs); use --force to allow"));
  RuleSet forced = MustParse(rule, /*force=*/true);
  ASSERT_EQ(forced.rules.size(), 1u);
  EXPECT_EQ(forced.rules[0].action.priority, 95);
  ASSERT_EQ(forced.warnings.size(), 1u);
  EXPECT_THAT(forced.warnings[0], HasSubstr("t.toml:5: key 'action.priority'"));
  EXPECT_THAT(forced.warnings[0], HasSubstr("allowed by --force"));
  MustParse(Rule(kKworkers, "{ policy = \"fifo\", priority = 89 }"));
}

TEST(RulesParse, ConflictingActions) {
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"other\", priority = 5 }")),
              HasSubstr("t.toml:5: key 'action.priority': conflicts with policy 'other'"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ priority = 5 }")),
              HasSubstr("t.toml:5: key 'action.priority': needs policy fifo or rr"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"fifo\", priority = 5, nice = -3 }")),
              HasSubstr("t.toml:5: key 'action.nice': conflicts with policy 'fifo'"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"idle\", nice = -3 }")),
              HasSubstr("t.toml:5: key 'action.nice': conflicts with policy 'idle'"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"rr\" }")),
              HasSubstr("t.toml:5: key 'action.policy': policy 'rr' needs a priority"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ nice = -3, runtime_us = 200 }")),
              HasSubstr("t.toml:5: key 'action.runtime_us': needs policy deadline"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"batch\", period_us = 1000 }")),
              HasSubstr("t.toml:5: key 'action.period_us': conflicts with policy 'batch'"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{}")), HasSubstr("t.toml:5: key 'action': sets nothing"));
}

TEST(RulesParse, BadPolicyName) {
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"normal\" }")),
              HasSubstr("t.toml:5: key 'action.policy': 'normal' is not a policy"));
}

TEST(RulesParse, DeadlineFollowsTheKernelChecks) {
  RuleSet ok =
      MustParse(Rule("{ comm = \"kworker/u*\" }", "{ policy = \"deadline\", runtime_us = 200, period_us = 10000 }"));
  ASSERT_EQ(ok.rules.size(), 1u);
  EXPECT_EQ(ok.rules[0].action.runtime_ns, 200'000u);
  EXPECT_EQ(ok.rules[0].action.deadline_ns, 10'000'000u);  // a missing deadline is the period
  EXPECT_EQ(ok.rules[0].action.period_ns, 10'000'000u);
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"deadline\", runtime_us = 1, period_us = 1000 }")),
              HasSubstr("t.toml:5: key 'action.runtime_us': the runtime must be at least 1024 ns"));
  EXPECT_THAT(
      ParseError(Rule(kKworkers, "{ policy = \"deadline\", runtime_us = 500, deadline_us = 400, period_us = 1000 }")),
      HasSubstr("t.toml:5: key 'action.runtime_us': the runtime must not exceed the deadline"));
  EXPECT_THAT(
      ParseError(Rule(kKworkers, "{ policy = \"deadline\", runtime_us = 100, deadline_us = 2000, period_us = 1000 }")),
      HasSubstr("t.toml:5: key 'action.deadline_us': the deadline must not exceed the period"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"deadline\", runtime_us = 10, period_us = 50 }")),
              HasSubstr("t.toml:5: key 'action.period_us': the period must be between 100 us and 4194304 us"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ policy = \"deadline\", period_us = 1000 }")),
              HasSubstr("t.toml:5: key 'action.runtime_us': missing"));
}

TEST(RulesParse, DeadlineOnBoundThreadsWarns) {
  RuleSet set = MustParse(Rule(kKworkers, "{ policy = \"deadline\", runtime_us = 200, period_us = 10000 }"));
  ASSERT_EQ(set.warnings.size(), 1u);
  EXPECT_THAT(set.warnings[0], HasSubstr("t.toml:2: key 'action.policy'"));
  EXPECT_THAT(set.warnings[0], HasSubstr("EPERM"));
}

TEST(RulesParse, MatchingEveryThreadNeedsForce) {
  for (const char* match : {"{ comm = \"*\" }", "{ comm_regex = \".*\" }", "{ comm_regex = \".+\" }",
                            "{ comm = \"?*\", process = \"*\" }"}) {
    SCOPED_TRACE(match);
    std::string rule = Rule(match, "{ nice = -5 }");
    EXPECT_THAT(ParseError(rule), HasSubstr("t.toml:4: key 'match': matches every thread of the system"));
    EXPECT_EQ(MustParse(rule, /*force=*/true).rules.size(), 1u);
  }
  // Restricting keys make a catch-all pattern fine.
  MustParse(Rule("{ comm = \"*\", kernel_thread = false }", "{ nice = 5 }"));
  MustParse(Rule("{ comm_regex = \"k.*\" }", "{ nice = 5 }"));
  MustParse(Rule("{ cpus = [1] }", "{ nice = 5 }"));
}

TEST(RulesParse, EmptyOrMissingMatch) {
  EXPECT_THAT(ParseError(Rule("{}", "{ nice = -5 }")), HasSubstr("t.toml:4: key 'match': is empty"));
  EXPECT_THAT(ParseError("[[rule]]\nname = \"r\"\naction = { nice = -5 }\n"),
              HasSubstr("t.toml:1: key 'match': missing"));
}

TEST(RulesParse, DuplicateAndMissingNames) {
  std::string e = ParseError(
      "[[rule]]\nname = \"same\"\nmatch = { kernel_thread = true }\naction = { nice = 1 }\n"
      "[[rule]]\nname = \"same\"\nmatch = { kernel_thread = false }\naction = { nice = 2 }\n");
  EXPECT_THAT(e, HasSubstr("t.toml:6: key 'name': duplicate rule name 'same' (first used by the rule at line 1)"));
  EXPECT_THAT(ParseError("[[rule]]\nmatch = { kernel_thread = true }\naction = { nice = 1 }\n"),
              HasSubstr("t.toml:1: key 'name': missing"));
}

TEST(RulesParse, WrongValueTypes) {
  EXPECT_THAT(ParseError(Rule("{ kernel_thread = \"yes\" }", "{ nice = -5 }")),
              HasSubstr("t.toml:4: key 'match.kernel_thread': expected true or false, got a string"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ nice = -5.5 }")),
              HasSubstr("t.toml:5: key 'action.nice': expected an integer, got a float"));
  EXPECT_THAT(ParseError(Rule("{ cpus = \"3-1\" }", "{ nice = -5 }")),
              HasSubstr("t.toml:4: key 'match.cpus': expected a CPU list like \"0-3,5\""));
  EXPECT_THAT(ParseError(Rule("{ cpus = [1, \"2\"] }", "{ nice = -5 }")),
              HasSubstr("t.toml:4: key 'match.cpus': expected a list of CPU numbers"));
  EXPECT_THAT(ParseError(Rule(kKworkers, "{ affinity = [99999] }")),
              HasSubstr("t.toml:5: key 'action.affinity': CPU 99999 is out of range"));
  EXPECT_THAT(ParseError("[[rule]]\nname = \"r\"\nmatch = \"kworker\"\naction = { nice = 1 }\n"),
              HasSubstr("t.toml:3: key 'match': expected a table"));
}

TEST(RulesParse, KeysOnTheirOwnLinesAreNamedByTheirLine) {
  // A [rule.action] sub-table: the error names the line of the bad key itself.
  std::string e = ParseError(
      "[[rule]]\nname = \"r\"\n[rule.match]\ncomm = \"kworker/*\"\n[rule.action]\n"
      "policy = \"fifo\"\n"
      "priority = 120\n");
  EXPECT_THAT(e, HasSubstr("t.toml:7: key 'action.priority': 120 is out of range"));
}

TEST(RulesParse, TomlSyntaxErrorNamesLine) {
  std::string e = ParseError("[[rule]]\nname = \"r\"\nmatch = { comm = \"kworker/*\" \n");
  EXPECT_THAT(e, HasSubstr("t.toml:3:"));
  EXPECT_THAT(e, HasSubstr("not valid TOML"));
}

TEST(RulesParse, EveryErrorIsReported) {
  std::string e = ParseError(
      "[[rule]]\nname = \"a\"\nmatch = { comm = \"k*\" }\naction = { nice = 40 }\n"
      "[[rule]]\nname = \"b\"\nmatch = { comm = \"k*\" }\naction = { policy = \"fifo\", priority = 120 }\n");
  EXPECT_THAT(e, HasSubstr("t.toml:4: key 'action.nice'"));
  EXPECT_THAT(e, HasSubstr("t.toml:8: key 'action.priority'"));
}

TEST(RulesParse, GuardSettings) {
  RuleSet set = MustParse(
      "[guard]\nlong_wait_ms = 30\nchronic_share = 0.5\nchronic_window_ms = 250\nchronic_min_waits = 5\n"
      "boost_policy = \"deadline\"\nboost_runtime_us = 500\nboost_period_us = 5000\nboost_duration_ms = 80\n"
      "boost_budget = 0.1\nboost_priority = 20\nauto_reports = 4\nauto_window_ms = 2000\nauto_quiet_ms = 3000\n"
      "auto_hold_ms = 1000\npoll_interval_ms = 2\n");
  const GuardSettings& g = set.guard;
  EXPECT_EQ(g.detector.long_wait_ns, 30'000'000);
  EXPECT_DOUBLE_EQ(g.detector.chronic_share, 0.5);
  EXPECT_EQ(g.detector.chronic_window_ns, 250'000'000);
  EXPECT_EQ(g.detector.chronic_min_waits, 5u);
  EXPECT_EQ(g.detector.poll_interval_ns, 2'000'000);
  EXPECT_EQ(g.boost_policy, Policy::kDeadline);
  EXPECT_EQ(g.boost_runtime_ns, 500'000u);
  EXPECT_EQ(g.boost_period_ns, 5'000'000u);
  EXPECT_EQ(g.boost_duration_ns, 80'000'000);
  EXPECT_DOUBLE_EQ(g.boost_budget, 0.1);
  EXPECT_EQ(g.boost_priority, 20);
  EXPECT_EQ(g.auto_reports, 4);
  EXPECT_EQ(g.auto_window_ns, 2'000'000'000);
  EXPECT_EQ(g.auto_quiet_ns, 3'000'000'000);
  EXPECT_EQ(g.auto_hold_ns, 1'000'000'000);
  EXPECT_TRUE(set.rules.empty());
}

TEST(RulesParse, BadGuardSettings) {
  EXPECT_THAT(ParseError("[guard]\nboost_policy = \"rr\"\n"),
              HasSubstr("t.toml:2: key 'guard.boost_policy': 'rr' cannot boost"));
  EXPECT_THAT(ParseError("[guard]\nboost_priority = 95\n"),
              HasSubstr("t.toml:2: key 'guard.boost_priority': 95 is at or above 90"));
  EXPECT_THAT(ParseError("[guard]\nchronic_share = 1.5\n"), HasSubstr("t.toml:2: key 'guard.chronic_share'"));
  EXPECT_THAT(ParseError("[guard]\nlong_wait_ms = 0\n"),
              HasSubstr("t.toml:2: key 'guard.long_wait_ms': 0 is out of range"));
  EXPECT_THAT(ParseError("[guard]\nboost_runtime_us = 9000\nboost_period_us = 5000\n"),
              HasSubstr("key 'guard.boost_runtime_us': the runtime must not exceed the deadline"));
}

}  // namespace
}  // namespace kstarve::guard::testing

namespace kstarve::guard::testing {
namespace {

TEST(RulesParse, NonAsciiTextIsKeptOrRefusedNeverMishandled) {
  // Characters toml++ 3.3 mishandles (U+00E9, U+00B5, U+03D1 ...) are fine
  // in comments and strings, and strings keep them.
  RuleSet set = MustParse(
      "# réglages: 200 µs\n[[rule]]\nname = \"kworkers à nice −20 ϑ\"\nmatch = { comm = 'kworker/*' }\n"
      "action = { nice = -20 }  # ϑ\n");
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(set.rules[0].name, "kworkers à nice −20 ϑ");
  // Elsewhere they are a TOML error naming the line, shown as written.
  EXPECT_THAT(ParseError("[guard]\nlong_wait_ms = 5ϑ\n"), ::testing::HasSubstr("t.toml:2:17: not valid TOML"));
  EXPECT_THAT(ParseError("[guard]\nlong_wait_ms = 5ϑ\n"), ::testing::HasSubstr("saw 'ϑ'"));
  EXPECT_THAT(ParseError("[[rule]]\nname = \"a\" ½\n"), ::testing::HasSubstr("t.toml:2:12: not valid TOML"));
  // The inputs fuzz_rules found (undefined behaviour in toml++ before the masking).
  EXPECT_FALSE(ParseRules("44n_waits =22'''CCCCCCCC......BBBB\xc2\xbd"
                          "B44n_waits =22'''CC..,ai",
                          "f")
                   .ok());
  EXPECT_FALSE(ParseRules("[gard]\nlong_wait = 5ll\xcf\x91lle&_me = \"\xcf\xcf"
                          "a\"\n",
                          "f")
                   .ok());
  // Private-use characters, which the masking uses, are refused.
  EXPECT_THAT(ParseError("# \xee\x80\x80\n"), ::testing::HasSubstr("private-use"));
}

}  // namespace
}  // namespace kstarve::guard::testing
