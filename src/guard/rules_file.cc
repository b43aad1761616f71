// Reading the rules file. The guard runs as root and applies what the file
// says, so a file others could write would let them run anything at any
// priority: it must be owned by root and not writable by group or others.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "guard/rules.h"

namespace kstarve::guard {
namespace {

// Far more than any real rules file; keeps a wrong path (a log, a device)
// from being read whole.
constexpr off_t kMaxRulesBytes = 1 << 20;

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Closes the file on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status CheckOwnerAndMode(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return Status::Error(path + ": not a regular file");
  const uid_t euid = geteuid();
  const bool owner_ok = st.st_uid == 0 || (euid != 0 && st.st_uid == euid);
  const bool mode_ok = (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
  if (owner_ok && mode_ok) return Status::Ok();
  std::string what =
      path + ": unsafe rules file: owner uid " + std::to_string(st.st_uid) + ", mode " + Octal(st.st_mode) + ";";
  if (!owner_ok) what += euid == 0 ? " it must be owned by root;" : " it must be owned by root or by you;";
  if (!mode_ok) what += " it must not be writable by group or others;";
  what += " fix with: chown root:root " + path + " && chmod go-w " + path;
  return Status::Error(what);
}

}  // namespace

Result<RuleSet> LoadRulesFile(const std::string& path, const RuleParseOptions& options) {
  // Opened first and checked with fstat, so the checked file is the one read
  // (a symlink is followed and the file it leads to is judged).
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return Status::Error(path + ": cannot open rules file: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::Error(path + ": cannot stat: " + std::strerror(errno));
  if (Status s = CheckOwnerAndMode(path, st); !s.ok()) return s;
  if (st.st_size > kMaxRulesBytes) {
    return Status::Error(path + ": " + std::to_string(st.st_size) + " bytes; a rules file may have at most " +
                         std::to_string(kMaxRulesBytes));
  }
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(path + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxRulesBytes)) return Status::Error(path + ": grew while being read");
  }
  return ParseRules(text, path, options);
}

}  // namespace kstarve::guard
