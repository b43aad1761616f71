// The command `kstarve record -- COMMAND` runs for: started after tracing
// is on, watched through a pidfd so the capture loop wakes when it exits.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace kstarve {

class ChildProcess {
 public:
  // Forks and execs argv[0] (searched in PATH). An exec failure shows as
  // exit status 127 with a message on stderr, as in a shell.
  static Result<ChildProcess> Start(const std::vector<std::string>& argv);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Readable when the child exits; -1 if pidfds are not available (then
  // poll with a timeout and call Poll()).
  int fd() const { return pidfd_; }
  // The exit status if it has exited (128 + signal if killed), without blocking.
  std::optional<int> Poll();
  // Blocks until it exits; returns the exit status.
  int Wait();
  void Signal(int sig) const;
  bool exited() const { return status_.has_value(); }

 private:
  ChildProcess(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  static int StatusOf(int wait_status);
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
};

}  // namespace kstarve
