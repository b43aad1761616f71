#include "rules_test_util.h"

#include <gtest/gtest.h>

namespace kstarve::guard::testing {

ThreadInfo Kworker(int pid, const std::string& comm, int bound_cpu, const std::string& workqueue) {
  ThreadInfo t = KernelThread(pid, comm, bound_cpu);
  t.workqueue = workqueue;
  return t;
}

ThreadInfo KernelThread(int pid, const std::string& comm, int bound_cpu, SchedAttrs attrs) {
  ThreadInfo t;
  t.id = {pid, static_cast<uint64_t>(pid) * 10};
  t.tgid = pid;
  t.comm = comm;
  t.process = comm;
  t.kernel_thread = true;
  t.bound_cpu = bound_cpu;
  t.attrs = attrs;
  if (t.attrs.affinity.empty())
    t.attrs.affinity = bound_cpu >= 0 ? std::vector<int>{bound_cpu} : std::vector<int>{0, 1};
  return t;
}

ThreadInfo UserThread(int pid, const std::string& comm, const std::string& process, SchedAttrs attrs) {
  ThreadInfo t;
  t.id = {pid, static_cast<uint64_t>(pid) * 10};
  t.tgid = pid;
  t.comm = comm;
  t.process = process;
  t.attrs = attrs;
  if (t.attrs.affinity.empty()) t.attrs.affinity = {0, 1};
  return t;
}

SchedAttrs Fifo(int priority) {
  SchedAttrs a;
  a.policy = Policy::kFifo;
  a.rt_priority = priority;
  return a;
}

SchedAttrs Fair(int nice) {
  SchedAttrs a;
  a.nice = nice;
  return a;
}

RuleSet MustParse(const std::string& text, bool force) {
  RuleParseOptions options;
  options.force = force;
  Result<RuleSet> r = ParseRules(text, "t.toml", options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : RuleSet{};
}

std::string ParseError(const std::string& text, bool force) {
  RuleParseOptions options;
  options.force = force;
  Result<RuleSet> r = ParseRules(text, "t.toml", options);
  EXPECT_FALSE(r.ok()) << "parsed, but an error was expected:\n" << text;
  return r.ok() ? "" : r.status().message();
}

}  // namespace kstarve::guard::testing
