// SchedDecoder: scheduler records out of the raw ring-buffer pages of a
// tracefs instance (per_cpu/cpuN/trace_pipe_raw), using the kernel's own
// format files, so field offsets are never hard-coded.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace kstarve::guard {

struct SchedRecord {
  enum class Kind : uint8_t { kSwitch, kWakeup, kMigrate, kOther, kLost };
  int64_t ts = 0;
  int32_t cpu = -1;
  Kind kind = Kind::kOther;
  bool prev_runnable = false;  // kSwitch: prev_state R or R+
  int32_t header_pid = -1;     // common_pid: who ran on `cpu` when it was written
  int32_t pid = -1;            // kSwitch: prev; kWakeup/kMigrate: the thread
  int32_t prio = 0;            // prio of `pid`
  int32_t target_cpu = -1;     // kWakeup: target_cpu; kMigrate: dest_cpu
  int32_t next_pid = -1;
  int32_t next_prio = 0;
  std::array<char, 16> comm{};  // of `pid` (NUL-terminated unless 16 long)
  std::array<char, 16> next_comm{};
};

// The events the decoder understands, as "system/name".
inline constexpr std::array<const char*, 5> kSchedEvents = {"sched/sched_switch", "sched/sched_waking",
                                                            "sched/sched_wakeup", "sched/sched_wakeup_new",
                                                            "sched/sched_migrate_task"};

class SchedDecoder {
 public:
  // `formats` holds the text of events/<system>/<name>/format for any of
  // kSchedEvents (those missing are not decoded; sched_switch is required).
  // `source` names where they came from, for error messages.
  static Result<std::unique_ptr<SchedDecoder>> Create(const std::vector<std::string>& formats,
                                                      const std::string& source);
  ~SchedDecoder();
  SchedDecoder(const SchedDecoder&) = delete;
  SchedDecoder& operator=(const SchedDecoder&) = delete;

  // Decodes one sub-buffer read from `cpu`'s trace_pipe_raw and appends its
  // records. `missed` is set when the kernel dropped events before it.
  Status DecodePage(int32_t cpu, std::span<const uint8_t> page, std::vector<SchedRecord>& out, bool& missed);

  struct Impl;

 private:
  explicit SchedDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kstarve::guard
