// A Chrome JSON trace (the "Trace Event Format") that the Perfetto UI and
// chrome://tracing open: one track per CPU showing what ran, the victims'
// waits as slices on their own threads, and flows from waker to wakee.
//
// It observes a second pass of the thread-state machine, once the victims
// (threads with findings) are known, and streams to the output file.
#pragma once

#include <cstdint>
#include <ostream>
#include <unordered_map>
#include <unordered_set>

#include "analysis/thread_tracker.h"

namespace kstarve {

class PerfettoExporter : public TrackerObserver {
 public:
  // Synthetic process and thread ids of the tracks. The JSON importer treats
  // tids as global Linux thread ids (tid 0 is the swapper), so CPU tracks use
  // ids above any pid_max (4M); the victims' wait tracks use their real tids
  // inside a process of their own.
  static constexpr int64_t kCpuProcess = 1'000'000'000;
  static constexpr int64_t kCpuTrackTidBase = 1'000'000'000;  // + CPU number
  static constexpr int64_t kWaitProcess = 1'000'100'000;

  // `victims`: threads whose waits become slices (all waits if empty).
  PerfettoExporter(std::ostream& out, const ThreadTracker* names_from, const StringInterner& strings,
                   std::unordered_set<int32_t> victims);
  ~PerfettoExporter() override;

  void SetTracker(const ThreadTracker* t) { tracker_ = t; }
  void OnRun(const RunSlice& r) override;
  void OnWait(const WaitRecord& w) override;
  void OnWake(const WakeRecord& w) override;
  // Writes the track names and closes the JSON array.
  void Finish();

 private:
  void Begin();
  std::string Comm(int32_t pid) const;
  void Separator();

  std::ostream& out_;
  const ThreadTracker* tracker_;
  const StringInterner& strings_;
  std::unordered_set<int32_t> victims_;
  std::unordered_set<int32_t> cpus_, victim_tracks_;
  std::unordered_map<int32_t, WakeRecord> pending_wakes_;  // wakee -> its wakeup
  uint64_t next_flow_ = 1;
  bool first_ = true;
  bool finished_ = false;
};

}  // namespace kstarve
