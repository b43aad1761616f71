// The tracepoints kstarve uses, by the name the kernel gives them.
#pragma once

#include <string_view>

#include "events/event.h"

namespace kstarve {

// Sets `kind` and returns true if `name` (without a "subsystem:" prefix) is a
// tracepoint kstarve uses; other tracepoints are counted, not parsed.
bool LookupUsedEvent(std::string_view name, EventKind& kind);

}  // namespace kstarve
