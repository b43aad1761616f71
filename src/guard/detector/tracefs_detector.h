// TracefsDetector: the fallback backend. Its own tracefs instance
// (instances/kstarve-guard-<pid>, trace_clock mono) records the scheduler
// events; each Poll reads every CPU's raw buffer without blocking, replays
// the records in time order into a WaitState, and reports from it exactly
// as the BPF backend reports from its maps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "guard/detector/long_wait_scan.h"
#include "guard/detector/sched_decoder.h"
#include "guard/detector/wait_state.h"
#include "guard/starvation.h"

namespace kstarve::guard {

struct TracefsDetectorConfig {
  std::string tracefs_root;   // "" : /sys/kernel/tracing, else /sys/kernel/debug/tracing
  std::string instance_name;  // "" : kstarve-guard-<pid>
  int buffer_kb_per_cpu = 2048;
};

class TracefsDetector : public Detector {
 public:
  explicit TracefsDetector(DetectorOptions options, TracefsDetectorConfig config = {});
  ~TracefsDetector() override;
  TracefsDetector(const TracefsDetector&) = delete;
  TracefsDetector& operator=(const TracefsDetector&) = delete;

  std::string_view Backend() const override { return "tracefs"; }
  // Creates and arms the instance; OK at once if already started.
  Status Start() override;
  Status Poll(const std::function<void(const Starvation&)>& report) override;
  // Closes the buffers and removes the instance (also done by the destructor).
  void Stop() override;
  int64_t NextPollNs() const override { return next_poll_ns_; }

  // The instance directory while started, or while its removal failed
  // (Stop and the destructor try again); "" otherwise.
  const std::string& instance_dir() const { return instance_dir_; }
  // Events the kernel dropped (ring-buffer overruns) since Start.
  uint64_t lost_pages() const { return lost_pages_; }

 private:
  Status ReadBuffers();
  void ReportLongWaits(int64_t now, const std::function<void(const Starvation&)>& report);
  void ReportChronic(int64_t now, const std::function<void(const Starvation&)>& report);
  void FillHolder(Starvation& s, int32_t cpu) const;
  bool RemoveInstance();

  DetectorOptions options_;
  TracefsDetectorConfig config_;
  bool started_ = false;
  std::string instance_dir_;
  std::vector<int> cpu_fds_;  // index = CPU number, -1 if not open
  std::unique_ptr<SchedDecoder> decoder_;
  std::vector<uint8_t> page_;
  std::vector<SchedRecord> records_;
  WaitState state_;
  LongWaitScan scan_;
  std::vector<OpenWait> open_, due_;
  std::unordered_map<int32_t, WaitTotals> totals_;
  int64_t window_start_ns_ = 0;
  int64_t next_poll_ns_ = 0;
  uint64_t lost_pages_ = 0;
};

}  // namespace kstarve::guard
