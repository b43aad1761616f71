#include "guard/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "guard/metrics.h"

namespace kstarve::guard {

namespace {

using nlohmann::json;

json ToJson(const SchedAttrs& a) {
  return json{{"policy", static_cast<int>(a.policy)},
              {"rt_priority", a.rt_priority},
              {"nice", a.nice},
              {"dl_runtime_ns", a.dl_runtime_ns},
              {"dl_deadline_ns", a.dl_deadline_ns},
              {"dl_period_ns", a.dl_period_ns},
              {"affinity", a.affinity}};
}

std::optional<SchedAttrs> AttrsFromJson(const json& j) {
  if (!j.is_object()) return std::nullopt;
  SchedAttrs a;
  const int policy = j.value("policy", -1);
  switch (policy) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 5:
    case 6: a.policy = static_cast<Policy>(policy); break;
    default: return std::nullopt;
  }
  a.rt_priority = j.value("rt_priority", 0);
  a.nice = j.value("nice", 0);
  a.dl_runtime_ns = j.value("dl_runtime_ns", uint64_t{0});
  a.dl_deadline_ns = j.value("dl_deadline_ns", uint64_t{0});
  a.dl_period_ns = j.value("dl_period_ns", uint64_t{0});
  if (j.contains("affinity") && j["affinity"].is_array()) a.affinity = j["affinity"].get<std::vector<int>>();
  return a;
}

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(path + ": write failed: " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string SaveLine(const ThreadId& id, const std::string& comm, const SchedAttrs& original) {
  // error_handler::replace: a comm that is not UTF-8 must not make the dump throw.
  return json{{"op", "save"},
              {"pid", id.pid},
              {"start_time", id.start_time},
              {"comm", comm},
              {"attrs", ToJson(original)}}
             .dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

}  // namespace

std::string AttrsJson(const SchedAttrs& a) {
  return ToJson(a).dump();
}

Journal::~Journal() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, bool sync) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Error(dir + ": cannot create the journal directory: " + std::strerror(errno));
  }
  const std::string path = dir + "/journal";
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(path + ": cannot open the journal: " + std::strerror(errno));
  return std::unique_ptr<Journal>(new Journal(dir, path, fd, sync));
}

Status Journal::Append(const std::string& line) {
  if (Status s = WriteAll(fd_, line, path_); !s.ok()) return s;
  if (sync_ && fdatasync(fd_) != 0) return Status::Error(path_ + ": fsync failed: " + std::strerror(errno));
  return Status::Ok();
}

Status Journal::Save(const ThreadId& id, const std::string& comm, const SchedAttrs& original) {
  return Append(SaveLine(id, comm, original));
}

Status Journal::Restored(const ThreadId& id) {
  return Append(json{{"op", "restored"}, {"pid", id.pid}, {"start_time", id.start_time}}.dump() + "\n");
}

Status Journal::Compact(const std::vector<JournalEntry>& open) {
  std::string text;
  for (const JournalEntry& e : open) text += SaveLine(e.id, e.comm, e.original);
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(tmp + ": cannot create: " + std::strerror(errno));
  Status s = WriteAll(fd, text, tmp);
  if (s.ok() && fsync(fd) != 0) s = Status::Error(tmp + ": fsync failed: " + std::strerror(errno));
  close(fd);
  if (!s.ok()) return s;
  if (rename(tmp.c_str(), path_.c_str()) != 0) return Status::Error(path_ + ": rename failed: " + std::strerror(errno));
  const int nfd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (nfd < 0) return Status::Error(path_ + ": cannot reopen: " + std::strerror(errno));
  close(fd_);
  fd_ = nfd;
  // The rename itself must reach the disk too.
  if (const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::Ok();
}

Result<std::vector<JournalEntry>> ReadOpenEntries(const std::string& path) {
  std::ifstream in(path);
  std::vector<JournalEntry> open;
  if (!in) return open;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const json j = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    const bool last = i + 1 == lines.size();
    const bool shaped = j.is_object() && j.contains("op") && j["op"].is_string() && j.contains("pid") &&
                        j["pid"].is_number_integer() && j.contains("start_time") &&
                        j["start_time"].is_number_unsigned();
    if (!shaped) {
      if (last) break;  // torn by a crash in the middle of the write
      return Status::Error(path + ":" + std::to_string(i + 1) +
                           ": expected a journal record {\"op\", \"pid\", \"start_time\", ...}");
    }
    const ThreadId id{j["pid"].get<int32_t>(), j["start_time"].get<uint64_t>()};
    auto it = std::find_if(open.begin(), open.end(), [&](const JournalEntry& e) { return e.id == id; });
    const std::string op = j["op"].get<std::string>();
    if (op == "restored") {
      if (it != open.end()) open.erase(it);
    } else if (op == "save") {
      std::optional<SchedAttrs> attrs = j.contains("attrs") ? AttrsFromJson(j["attrs"]) : std::nullopt;
      if (!attrs) {
        if (last) break;
        return Status::Error(path + ":" + std::to_string(i + 1) + ": expected \"attrs\" with a known policy number");
      }
      if (it == open.end()) {
        const std::string comm = j.contains("comm") && j["comm"].is_string() ? j["comm"].get<std::string>() : "";
        open.push_back({id, comm, *attrs});
      }
    } else if (!last) {
      std::string message = path + ":" + std::to_string(i + 1) + ": unknown op '";
      message += op;
      message += "' (expected save or restored)";
      return Status::Error(message);
    }
  }
  return open;
}

Result<RestoreSummary> RestoreJournal(const std::string& dir, Host& host, const LogSink& log, Metrics* metrics) {
  const std::string path = dir + "/journal";
  Result<std::vector<JournalEntry>> entries = ReadOpenEntries(path);
  if (!entries.ok()) return entries.status();
  RestoreSummary summary;
  for (const JournalEntry& e : *entries) {
    Result<ThreadInfo> now = host.ReadThread(e.id.pid);
    const std::string who = "pid " + std::to_string(e.id.pid) + " (" + e.comm + ")";
    if (!now.ok()) {
      ++summary.gone;
      log(LogLevel::kInfo, "restore: " + who + " is gone, nothing to restore");
      continue;
    }
    if (now->id.start_time != e.id.start_time) {
      ++summary.reused;
      log(LogLevel::kNotice, "restore: " + who + ": the pid now names another thread (" + now->comm + ", start time " +
                                 std::to_string(now->id.start_time) + " != " + std::to_string(e.id.start_time) +
                                 "), skipped");
      continue;
    }
    // Affinity is put back only if it was changed: per-CPU kernel threads refuse any affinity change.
    SchedAttrs target = e.original;
    if (target.affinity == now->attrs.affinity) target.affinity.clear();
    if (Status s = host.SetAttrs(e.id, target); !s.ok()) {
      ++summary.failed;
      log(LogLevel::kError, "restore: " + who + ": " + s.message());
      continue;
    }
    ++summary.restored;
    if (metrics != nullptr) ++metrics->restores;
    log(LogLevel::kNotice,
        "restore: " + who + " back to " + Describe(e.original) + " (was " + Describe(now->attrs) + ")");
  }
  // Everything restorable is restored: empty the journal (a failed restore stays logged).
  if (const int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC); fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return summary;
}

int32_t LiveGuardPid(const std::string& dir, Host& host) {
  std::ifstream in(dir + "/guard.pid");
  int32_t pid = 0;
  uint64_t start = 0;
  if (!(in >> pid >> start) || pid <= 0) return 0;
  Result<ThreadInfo> t = host.ReadThread(pid);
  if (!t.ok() || t->id.start_time != start) return 0;
  return pid;
}

Status WritePidFile(const std::string& dir, const ThreadId& self) {
  const std::string path = dir + "/guard.pid";
  std::ofstream out(path, std::ios::trunc);
  out << self.pid << ' ' << self.start_time << '\n';
  out.close();
  if (!out) return Status::Error(path + ": cannot write the pid file");
  return Status::Ok();
}

void RemovePidFile(const std::string& dir) {
  unlink((dir + "/guard.pid").c_str());
}

}  // namespace kstarve::guard
