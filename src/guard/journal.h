// The journal of original attributes (/run/kstarve/journal): before the guard
// changes a thread for the first time it appends {pid, start_time, comm,
// original attrs} as one JSON line, so whatever happens to the guard
// afterwards (kill -9, a crash, OOM kill, a restart of the service) the next
// start or `kstarve guard --restore` can put every thread back.
//
// Why no fsync by default: the journal protects against the guard's death,
// not the machine's. A write(2) that returned is in the page cache and is read
// back by the next start after any death of the process. After a kernel crash
// or power loss the journaled threads are gone (new start times: the restore
// skips them), so an fsync would protect nothing, and on a busy disk it takes
// 5-350 ms (measured here), more than the whole 30 ms detection-to-boost
// budget. `sync` (--journal-fsync) turns it on for those who want it anyway. A "restored" line
// closes an entry. Start times make pid reuse harmless: an entry whose pid now
// names another thread is skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "guard/host.h"
#include "guard/log.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

struct Metrics;

struct JournalEntry {
  ThreadId id;
  std::string comm;
  SchedAttrs original;
};

class Journal {
 public:
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Creates `dir` (mode 0700) if needed and opens dir/journal for appending.
  static Result<std::unique_ptr<Journal>> Open(const std::string& dir, bool sync = false);
  const std::string& path() const { return path_; }

  // Appends (and fdatasyncs if `sync`); the change it protects may be made once this returns Ok.
  Status Save(const ThreadId& id, const std::string& comm, const SchedAttrs& original);
  Status Restored(const ThreadId& id);
  // Rewrites the journal to hold only `open` entries (atomically: temp file,
  // fsync, rename), so it does not grow without bound.
  Status Compact(const std::vector<JournalEntry>& open);

 private:
  Journal(std::string dir, std::string path, int fd, bool sync)
      : dir_(std::move(dir)), path_(std::move(path)), fd_(fd), sync_(sync) {}
  Status Append(const std::string& line);
  std::string dir_, path_;
  int fd_;
  bool sync_;
};

// Entries saved and not restored, in file order (the first save of a thread
// wins: it holds the attributes from before the guard touched it). A torn last
// line (a crash in the middle of a write) is ignored; any other bad line is an
// error naming the file and line.
Result<std::vector<JournalEntry>> ReadOpenEntries(const std::string& path);

struct RestoreSummary {
  int restored = 0, gone = 0, reused = 0, failed = 0;
};

// Restores every open entry of dir/journal whose thread still exists with
// the same start time, logs each, then empties the journal. A journal that
// does not exist means there is nothing to restore.
Result<RestoreSummary> RestoreJournal(const std::string& dir, Host& host, const LogSink& log, Metrics* metrics);

// dir/guard.pid holds "PID START_TIME" of the running guard. Returns the pid
// of a guard that is still alive (same pid and start time), or 0.
int32_t LiveGuardPid(const std::string& dir, Host& host);
Status WritePidFile(const std::string& dir, const ThreadId& self);
void RemovePidFile(const std::string& dir);

// JSON form of attributes, shared with the state file.
std::string AttrsJson(const SchedAttrs& a);

}  // namespace kstarve::guard
