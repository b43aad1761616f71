// MakeDetector: the best backend this machine supports, started.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "guard/starvation.h"

namespace kstarve::guard {

// Whether this build has the BPF backend (bpftool, clang, libbpf and the
// kernel BTF were found at build time).
bool BpfBackendBuilt();

// `backend`: "bpf", "tracefs" or "auto" (BPF if it loads, else tracefs).
// The detector is returned already started (Start() again is a no-op).
// `note` (if not null) receives one line saying which backend runs and,
// for "auto", why BPF was not used. An error names what is missing for
// every backend tried.
Result<std::unique_ptr<Detector>> MakeDetector(const std::string& backend, const DetectorOptions& options,
                                               std::string* note = nullptr);

}  // namespace kstarve::guard
