#include "guard/rules_safety.h"

#include <fnmatch.h>

#include <array>
#include <string_view>

namespace kstarve::guard {
namespace {

// Names of every kind a comm can have: letters, digits, kernel-thread
// shapes, punctuation, a space, a single character, the 64-byte maximum.
constexpr std::array<const char*, 12> kProbes = {"a",
                                                 "Z",
                                                 "0",
                                                 "kworker/1:2",
                                                 "kworker/u8:0-events_unbound",
                                                 "ksoftirqd/1",
                                                 "systemd",
                                                 "vhost-12345",
                                                 "[x] y.z_w+",
                                                 "~!@#$%^&",
                                                 " ",
                                                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"};

bool GlobAcceptsAll(const std::string& glob) {
  for (const char* probe : kProbes) {
    if (fnmatch(glob.c_str(), probe, 0) != 0) return false;
  }
  return true;
}

bool RegexAcceptsAll(const std::regex& re) {
  for (const char* probe : kProbes) {
    if (!std::regex_match(probe, re)) return false;
  }
  return true;
}

}  // namespace

bool MatchesEveryThread(const RuleMatch& m) {
  if (m.kernel_thread || !m.cpus.empty() || m.workqueue) return false;
  if (m.comm_glob && !GlobAcceptsAll(*m.comm_glob)) return false;
  if (m.comm_re && !RegexAcceptsAll(*m.comm_re)) return false;
  if (m.process && !GlobAcceptsAll(*m.process)) return false;
  return true;
}

}  // namespace kstarve::guard
