#include "capture/signal_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace kstarve {
namespace {

constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

// A signal handler can reach only globals: the write end of the pipe of
// the one live SignalPipe. Written before the handlers are installed and
// reset after they are removed.
volatile sig_atomic_t g_signal_write_fd = -1;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void OnSignal(int sig, siginfo_t* info, void* /*context*/) {
  const int saved = errno;
  const bool from_process = info != nullptr && (info->si_code == SI_USER || info->si_code == SI_QUEUE);
  const unsigned char byte = static_cast<unsigned char>(sig | (from_process ? 0x80 : 0));
  if (g_signal_write_fd >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(g_signal_write_fd, &byte, 1);
  }
  errno = saved;
}

}  // namespace

SignalPipe::SignalPipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  g_signal_write_fd = write_fd_;
  struct sigaction sa = {};
  sa.sa_sigaction = OnSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
}

SignalPipe::~SignalPipe() {
  if (read_fd_ < 0) return;
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  g_signal_write_fd = -1;
  ::close(read_fd_);
  ::close(write_fd_);
}

std::vector<CaughtSignal> SignalPipe::Take() {
  std::vector<CaughtSignal> out;
  unsigned char bytes[64];
  for (;;) {
    const ssize_t n = ::read(read_fd_, bytes, sizeof bytes);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) out.push_back({bytes[i] & 0x7f, (bytes[i] & 0x80) != 0});
  }
  return out;
}

}  // namespace kstarve
