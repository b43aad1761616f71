// `kstarve guard --check FILE`: validates a rules file and explains it.
#pragma once

#include <iosfwd>
#include <string>

#include "guard/host.h"

namespace kstarve::guard {

// Loads `path` (ownership and mode checked, as the daemon does) and prints,
// for each rule, what it matches and what it sets in plain words, and, when
// `host` is not null, which threads of the host it would change right now
// (first match wins, as in the daemon). Errors and warnings go to `err`.
// Returns 0 if the file is valid, 1 otherwise.
int RunGuardCheck(const std::string& path, bool force, Host* host, std::ostream& out, std::ostream& err);

}  // namespace kstarve::guard
