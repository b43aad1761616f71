// Rules in plain words, for `guard --check` and the daemon's logs.
#include <string>
#include <vector>

#include "guard/cpu_list.h"
#include "guard/rules.h"

namespace kstarve::guard {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string Cpus(const std::vector<int>& cpus) {
  return (cpus.size() == 1 ? "CPU " : "CPUs ") + FormatCpuList(cpus);
}

}  // namespace

std::string DescribeMatch(const RuleMatch& m) {
  std::string who = "threads";
  if (m.kernel_thread) who = *m.kernel_thread ? "kernel threads" : "user threads";
  std::vector<std::string> parts;
  if (m.comm_glob) parts.push_back("named like '" + *m.comm_glob + "'");
  if (m.comm_regex) parts.push_back("with names matching the regex '" + *m.comm_regex + "'");
  if (!m.cpus.empty()) parts.push_back("bound to " + Cpus(m.cpus));
  if (m.workqueue) parts.push_back("serving a workqueue like '" + *m.workqueue + "'");
  if (m.process) parts.push_back("in a process named like '" + *m.process + "'");
  if (parts.empty()) return "all " + who;
  return who + " " + Join(parts);
}

std::string DescribeAction(const RuleAction& a) {
  std::vector<std::string> parts;
  if (a.policy) {
    std::string p = "policy " + std::string(PolicyName(*a.policy));
    if (a.priority) p += " priority " + std::to_string(*a.priority);
    if (a.runtime_ns && a.deadline_ns && a.period_ns) {
      p += " runtime " + std::to_string(*a.runtime_ns / 1000) + " us, deadline " +
           std::to_string(*a.deadline_ns / 1000) + " us, period " + std::to_string(*a.period_ns / 1000) + " us";
    }
    parts.push_back(p);
  }
  if (a.nice) {
    std::string n = "nice " + std::to_string(*a.nice);
    if (!a.policy) n += " (policy other, or batch if it is batch)";
    parts.push_back(n);
  }
  if (!a.affinity.empty()) parts.push_back("affinity " + Cpus(a.affinity));
  return parts.empty() ? "nothing" : Join(parts);
}

}  // namespace kstarve::guard
