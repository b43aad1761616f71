#include "guard/detector/make_detector.h"

#include "guard/detector/detector_options.h"
#include "guard/detector/tracefs_detector.h"
#ifdef KSTARVE_HAVE_BPF
#include "guard/detector/bpf_detector.h"
#endif

namespace kstarve::guard {

namespace {

Result<std::unique_ptr<Detector>> StartBpf(const DetectorOptions& options) {
#ifdef KSTARVE_HAVE_BPF
  auto d = std::make_unique<BpfDetector>(options);
  if (Status s = d->Start(); !s.ok()) return s;
  return std::unique_ptr<Detector>(std::move(d));
#else
  (void)options;
  return Status::Error(
      "bpf: this kstarve was built without the BPF backend (bpftool, clang, libbpf-dev or kernel "
      "BTF missing at build time)");
#endif
}

Result<std::unique_ptr<Detector>> StartTracefs(const DetectorOptions& options) {
  auto d = std::make_unique<TracefsDetector>(options);
  if (Status s = d->Start(); !s.ok()) return s;
  return std::unique_ptr<Detector>(std::move(d));
}

}  // namespace

bool BpfBackendBuilt() {
#ifdef KSTARVE_HAVE_BPF
  return true;
#else
  return false;
#endif
}

Result<std::unique_ptr<Detector>> MakeDetector(const std::string& backend, const DetectorOptions& options,
                                               std::string* note) {
  if (Status s = ValidateDetectorOptions(options); !s.ok()) return s;
  auto say = [note](const std::string& text) {
    if (note != nullptr) *note = text;
  };
  if (backend == "bpf") {
    Result<std::unique_ptr<Detector>> d = StartBpf(options);
    if (d.ok()) say("detector backend bpf (requested)");
    return d;
  }
  if (backend == "tracefs") {
    Result<std::unique_ptr<Detector>> d = StartTracefs(options);
    if (d.ok()) say("detector backend tracefs (requested)");
    return d;
  }
  if (backend != "auto") {
    return Status::Error("detector: unknown backend '" + backend + "' (expected bpf, tracefs or auto)");
  }
  Result<std::unique_ptr<Detector>> bpf = StartBpf(options);
  if (bpf.ok()) {
    say("detector backend bpf");
    return bpf;
  }
  Result<std::unique_ptr<Detector>> tracefs = StartTracefs(options);
  if (tracefs.ok()) {
    say("detector backend tracefs, because " + bpf.status().message());
    return tracefs;
  }
  return Status::Error("no starvation detector: " + bpf.status().message() + "; " + tracefs.status().message());
}

}  // namespace kstarve::guard
