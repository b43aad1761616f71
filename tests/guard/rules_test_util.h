// Synthetic threads for the rules tests: the shapes the seed incidents have.
#pragma once

#include <string>
#include <vector>

#include "guard/rules.h"
#include "guard/thread_info.h"

namespace kstarve::guard::testing {

// A kworker: "kworker/1:2-dio/vda" is bound to CPU 1 and serves "dio/vda";
// "kworker/u8:0" is unbound.
ThreadInfo Kworker(int pid, const std::string& comm, int bound_cpu, const std::string& workqueue);
ThreadInfo KernelThread(int pid, const std::string& comm, int bound_cpu, SchedAttrs attrs = {});
ThreadInfo UserThread(int pid, const std::string& comm, const std::string& process, SchedAttrs attrs);
SchedAttrs Fifo(int priority);
SchedAttrs Fair(int nice);

// ParseRules that must succeed; fails the calling test otherwise.
RuleSet MustParse(const std::string& text, bool force = false);
// The error message of ParseRules that must fail; "" (and a test failure) if it parsed.
std::string ParseError(const std::string& text, bool force = false);

}  // namespace kstarve::guard::testing
