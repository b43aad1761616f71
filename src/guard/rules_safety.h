// Whether a rule's match would reach every thread of the system: such a rule
// is refused unless --force (a typo like comm = "*" must not renice init).
#pragma once

#include "guard/rules.h"

namespace kstarve::guard {

// True when no key restricts the match: there are no keys, or only comm,
// comm_regex and process patterns that accept any name (judged on probe names
// of every shape: "*", "?*", ".*", ".+" all count). kernel_thread, cpus and
// workqueue always restrict.
bool MatchesEveryThread(const RuleMatch& m);

}  // namespace kstarve::guard
