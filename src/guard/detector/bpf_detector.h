// BpfDetector: the preferred backend. starve.bpf.c keeps each thread's open
// wait and the sums of its ended waits in a slot of an array (`slots`) that
// Poll reads through mmap, without a system call, and who runs on each CPU
// (`running`, read only when a long wait is due). A BPF timer pushes the
// waits that cross the threshold to a ring buffer (PollFd); nothing wakes
// userspace per event. It reports exactly as TracefsDetector does, and
// chronic delay is the growth of the sums over a window.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guard/detector/long_wait_scan.h"
#include "guard/starvation.h"

namespace kstarve::guard {

struct BpfDetectorConfig {
  // Threads followed at once (every live thread that has waited). Polls read
  // only the slots in use, so a large array costs memory (64 bytes a slot),
  // not time.
  uint32_t max_threads = 8192;
  // Find long waits with a BPF timer that scans the slots and wakes the
  // caller through PollFd() only when a wait crosses the threshold; off (or
  // when the timer cannot start: Linux < 5.17, no BPF_PROG_TEST_RUN of
  // syscall programs) the caller polls every long_wait.
  bool scan_timer = true;
  // Keep the kernel's run-time statistics (Cost()) while running. They add
  // two clock reads to every program run; off only to measure that.
  bool run_stats = true;
};

class BpfDetector : public Detector {
 public:
  explicit BpfDetector(DetectorOptions options, BpfDetectorConfig config = {});
  ~BpfDetector() override;
  BpfDetector(const BpfDetector&) = delete;
  BpfDetector& operator=(const BpfDetector&) = delete;

  std::string_view Backend() const override { return "bpf"; }
  // Loads and attaches the programs; OK at once if already started. An
  // error says what is missing (BTF, permission, verifier).
  Status Start() override;
  Status Poll(const std::function<void(const Starvation&)>& report) override;
  // Detaches and unloads everything (also done by the destructor).
  void Stop() override;
  int64_t NextPollNs() const override { return next_poll_ns_; }
  // The crossings ring buffer's epoll fd while the scan timer runs, else -1.
  int PollFd() const override;
  // How long waits are found: "scan timer in the kernel", or "polling" and why.
  std::string Mode() const;
  // Run time and run count of each program since Start, from the kernel's
  // BPF statistics, which Start turns on for as long as the detector runs
  // (bpf_enable_stats: held by a file descriptor, no sysctl is written).
  DetectorCost Cost() const override;

  // Kernel ids of the attached programs while started (for tests and logs).
  std::vector<uint32_t> ProgramIds() const;
  // Threads not followed because every slot was taken, since Start.
  uint64_t lost_threads() const;

  struct Maps;

 private:
  Status ReadThreads();
  Status ReadRunning();
  Status StartScanTimer(Maps& m);
  void ReportLongWaits(const std::function<void(const Starvation&)>& report);
  Status ReportChronic(int64_t now, const std::function<void(const Starvation&)>& report);
  void FillHolder(Starvation& s, int32_t cpu) const;
  bool RunningNow(int32_t pid) const;
  void DropStale(const OpenWait& w);

  DetectorOptions options_;
  BpfDetectorConfig config_;
  std::unique_ptr<Maps> maps_;
  LongWaitScan scan_;
  std::vector<OpenWait> open_, due_;
  int64_t window_start_ns_ = 0;
  int64_t next_poll_ns_ = 0;
};

// Whether a BPF program with this kernel id is loaded (tests: Stop leaves none).
bool BpfProgramLoaded(uint32_t id);

}  // namespace kstarve::guard
