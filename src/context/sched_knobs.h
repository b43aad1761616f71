// The scheduler's global knobs: EEVDF base slice, features, fair server,
// RT throttling.
#pragma once

#include <string>

#include "context/snapshot.h"

namespace kstarve {

// Reads the knobs under `root` ("" = live). When `live` and debugfs is not
// mounted at /sys/kernel/debug, mounts it and unmounts it again afterwards.
SchedKnobs ReadSchedKnobs(const std::string& root, bool live);

}  // namespace kstarve
