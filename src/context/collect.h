// Collecting a context snapshot from a directory tree: "" is the live
// system; tests point `root` at a fake tree of /proc and /sys files.
#pragma once

#include <string>

#include "base/status.h"
#include "context/snapshot.h"

namespace kstarve {

struct CollectOptions {
  std::string root;  // prefix of /proc and /sys; "" for the running system
  // Live only: ask the kernel (sched_getattr) for policy, priority, nice and
  // DL parameters, and mount debugfs for the knobs if it is not mounted.
  bool live = true;
};

Result<ContextSnapshot> CollectContext(const CollectOptions& options);

}  // namespace kstarve
