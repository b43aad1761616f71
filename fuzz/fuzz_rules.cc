// Fuzzes the rules grammar: any text must give a RuleSet or an error, never a
// crash, and a RuleSet must be usable (match, apply, describe).
#include <cstddef>
#include <cstdint>
#include <string>

#include "guard/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses --force, so both sets of safety checks run.
  kstarve::guard::RuleParseOptions options;
  options.force = (data[0] & 1) != 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  kstarve::Result<kstarve::guard::RuleSet> set = kstarve::guard::ParseRules(text, "fuzz.toml", options);
  if (!set.ok()) return 0;
  kstarve::guard::ThreadInfo kworker;
  kworker.comm = "kworker/1:2-dio/vda";
  kworker.process = kworker.comm;
  kworker.kernel_thread = true;
  kworker.bound_cpu = 1;
  kworker.workqueue = "dio/vda";
  kstarve::guard::ThreadInfo user;
  user.comm = "fio";
  user.process = "fio";
  user.attrs.affinity = {1};
  for (const kstarve::guard::Rule& rule : set->rules) {
    for (const kstarve::guard::ThreadInfo* t : {&kworker, &user}) {
      if (kstarve::guard::Matches(rule.match, *t)) {
        (void)kstarve::guard::Describe(kstarve::guard::Apply(rule.action, t->attrs));
      }
    }
    (void)kstarve::guard::DescribeMatch(rule.match);
    (void)kstarve::guard::DescribeAction(rule.action);
  }
  return 0;
}
