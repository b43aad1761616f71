// Helpers for the live guard tests: run the kstarve binary, child processes
// that sleep or spin, and waiting on /proc with a bound.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace kstarve::guard::testing {

// Why a live test cannot run here, or "" if it can (root).
std::string LiveSkipReason();

// A child process named `comm` that sleeps until killed; killed (SIGKILL)
// and reaped at destruction.
class Sleeper {
 public:
  explicit Sleeper(const std::string& comm, int nice = 0);
  ~Sleeper();
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Starts `kstarve ARGS...` with stderr (and stdout) to `log_path`.
pid_t StartKstarve(const std::vector<std::string>& args, const std::string& log_path);
// Waits for the child to exit within `timeout`; kills it (SIGKILL) if it
// does not. Returns its exit status, or -1 if it had to be killed.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout);
// Polls `done` every 5 ms until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);
std::string ReadFile(const std::string& path);
// Writes a root-owned, mode 0600 rules file.
void WriteRules(const std::string& path, const std::string& text);

}  // namespace kstarve::guard::testing
