// Thread discovery as threads appear: the netlink proc connector delivers
// FORK/EXEC/COMM/EXIT for user threads and kernel threads alike, tens of µs
// after the fact. Kernel threads get no COMM event: their /proc/PID/comm is
// already final when the FORK arrives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "base/status.h"

namespace kstarve::guard {

struct ProcEvent {
  enum class Kind { kFork, kExec, kComm, kExit };
  Kind kind = Kind::kFork;
  int32_t pid = -1;  // the thread (child thread for FORK)
  int32_t tgid = -1;
  int32_t parent_tgid = -1;  // FORK: 2 (kthreadd) for kernel threads
  int64_t timestamp_ns = 0;  // CLOCK_MONOTONIC, when the kernel sent it
};

class ProcConnector {
 public:
  ~ProcConnector();
  ProcConnector(const ProcConnector&) = delete;
  ProcConnector& operator=(const ProcConnector&) = delete;

  // Subscribes (needs CAP_NET_ADMIN). The socket is non-blocking.
  static Result<std::unique_ptr<ProcConnector>> Open();
  int fd() const { return fd_; }
  // Reads every queued message. Returns an error if events were lost (the
  // socket buffer overflowed): the caller must then rescan /proc.
  Status Drain(const std::function<void(const ProcEvent&)>& on_event);

 private:
  explicit ProcConnector(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace kstarve::guard
