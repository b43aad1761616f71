// SIGINT, SIGTERM and SIGHUP turned into bytes on a pipe (the self-pipe
// trick), so the capture loop's poll() wakes up and stops cleanly instead
// of being killed with tracing still set up.
#pragma once

#include <signal.h>

#include <vector>

namespace kstarve {

struct CaughtSignal {
  int signal = 0;
  // Sent by a process with kill() (not by the terminal to the whole
  // foreground process group): a child command did not get it.
  bool from_process = false;
};

class SignalPipe {
 public:
  // Installs the handlers; the destructor restores the previous ones.
  // Only one SignalPipe may exist at a time.
  SignalPipe();
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  bool ok() const { return read_fd_ >= 0; }
  // Readable when a signal arrived.
  int fd() const { return read_fd_; }
  // The signals that arrived since the last call (non-blocking).
  std::vector<CaughtSignal> Take();

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  struct sigaction old_[3] = {};
};

// 128 + signal, the shell's exit status for a signal.
inline int ExitStatusForSignal(int signal) {
  return 128 + signal;
}

}  // namespace kstarve
