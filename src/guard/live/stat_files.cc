#include "guard/live/stat_files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace kstarve::guard {

namespace {

// procfs generates a stat line whole; one read gets all of it.
bool ReadAt(int fd, std::string& line) {
  char buf[4096];
  const ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  line.assign(buf, static_cast<size_t>(n));
  return true;
}

}  // namespace

StatFiles::~StatFiles() {
  for (const auto& [tid, f] : files_) close(f.fd);
}

bool StatFiles::Read(const std::string& proc, int32_t tgid, int32_t tid, std::string& line) {
  auto it = files_.find(tid);
  if (it != files_.end()) {
    if (ReadAt(it->second.fd, line)) {
      it->second.seen = generation_;
      return true;
    }
    close(it->second.fd);  // its thread exited; the pid may name a new one
    files_.erase(it);
  }
  const std::string path = proc + "/" + std::to_string(tgid) + "/task/" + std::to_string(tid) + "/stat";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ReadAt(fd, line);
  if (ok && files_.size() < max_open_) {
    files_.emplace(tid, File{fd, generation_});
  } else {
    close(fd);
  }
  return ok;
}

void StatFiles::Sweep() {
  std::vector<int32_t> stale;
  for (const auto& [tid, f] : files_) {
    if (f.seen != generation_) stale.push_back(tid);
  }
  for (int32_t tid : stale) {
    close(files_[tid].fd);
    files_.erase(tid);
  }
  ++generation_;
}

size_t DefaultStatFilesLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 4096;
  const auto soft = static_cast<size_t>(r.rlim_cur);
  return soft > 512 ? std::min<size_t>(soft - 256, 16384) : 0;
}

}  // namespace kstarve::guard
