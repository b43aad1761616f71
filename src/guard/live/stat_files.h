// StatFiles: the /proc/TGID/task/TID/stat files of the safety-net scan, kept
// open between scans and re-read with pread. Opening a procfs file walks its
// path and allocates a file: open+read+close of one stat file cost about
// 7-8 µs on the 2-vCPU development VM, a pread of a kept file about 3 µs,
// and the scan reads every thread's file once a second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace kstarve::guard {

class StatFiles {
 public:
  // Keeps at most `max_open` files open (the rest are opened per read), so
  // a machine with many threads cannot exhaust the guard's descriptors.
  explicit StatFiles(size_t max_open) : max_open_(max_open) {}
  ~StatFiles();
  StatFiles(const StatFiles&) = delete;
  StatFiles& operator=(const StatFiles&) = delete;

  // The stat line of thread `tid` of process `tgid` under `proc`. A kept
  // file whose thread exited fails to read (ESRCH: the file is bound to that
  // thread, not to its number) and is opened again by path, so a reused pid
  // reads the new thread. False if the thread is gone.
  bool Read(const std::string& proc, int32_t tgid, int32_t tid, std::string& line);
  // Closes the files of threads not read since the last Sweep (they exited
  // or were not listed): call once per scan.
  void Sweep();
  size_t open_files() const { return files_.size(); }

 private:
  struct File {
    int fd = -1;
    uint64_t seen = 0;  // scan generation of the last read
  };
  size_t max_open_;
  uint64_t generation_ = 1;
  std::unordered_map<int32_t, File> files_;  // by tid
};

// How many stat files a guard keeps open: most of its descriptor limit,
// leaving room for sockets, the journal and the detector (0 if the limit is
// small).
size_t DefaultStatFilesLimit();

}  // namespace kstarve::guard
