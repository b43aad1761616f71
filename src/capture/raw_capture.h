// Reads the raw per-CPU ring-buffer pages of an instance into temporary
// files (one per CPU, beside the output, removed on destruction), counting
// records by event type and the events the kernel reports lost.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "capture/tracefs_shim.h"

namespace kstarve {

struct CpuCaptureStats {
  uint64_t bytes = 0;
  uint64_t pages = 0;
  uint64_t records = 0;
  uint64_t pages_with_missed = 0;  // pages flagged "events were lost before this page"
  uint64_t missed_events = 0;      // the counts those pages carry (when the kernel stored one)
};

class RawCapture {
 public:
  // Opens a reader for each of `cpus` CPUs and a temporary file for each,
  // named after `output` (OUTPUT.cpuN.XXXXXX in its directory).
  static Result<std::unique_ptr<RawCapture>> Open(ks_instance* instance, int cpus, const std::string& output);
  ~RawCapture();
  RawCapture(const RawCapture&) = delete;
  RawCapture& operator=(const RawCapture&) = delete;

  // Reads every page available now, from all CPUs, without blocking.
  Status Poll();
  // After tracing is off: reads what is left, writes out the buffers and
  // closes the readers (so the instance can be removed).
  Status Drain();

  const std::vector<std::string>& files() const { return paths_; }
  const std::vector<CpuCaptureStats>& stats() const { return stats_; }
  uint64_t total_bytes() const;
  uint64_t total_records() const;
  uint64_t total_missed() const;
  // Records of event type id `type` (events/SYSTEM/EVENT/id).
  uint64_t records_of_type(int type) const;

 private:
  RawCapture() = default;
  Status ReadCpu(size_t cpu, bool flush);
  Status FlushBuffer(size_t cpu);

  std::vector<ks_cpu*> readers_;
  std::vector<int> fds_;
  std::vector<std::string> paths_;
  std::vector<std::vector<char>> buffers_;  // pages not yet written, per CPU
  std::vector<size_t> used_;
  std::vector<CpuCaptureStats> stats_;
  std::vector<uint64_t> type_counts_;
  std::vector<char> page_;
  size_t page_size_ = 0;
  ks_page_parser* parser_ = nullptr;
};

}  // namespace kstarve
