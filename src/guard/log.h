// One log line per event, readable by journald and syslog. Under systemd
// (JOURNAL_STREAM set and naming our stderr) each line starts with the
// sd-daemon "<N>" priority prefix, which journald turns into the record's
// priority; elsewhere lines read "kstarve-guard: LEVEL: text".
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace kstarve::guard {

// syslog(3) priorities.
enum class LogLevel : int { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

using LogSink = std::function<void(LogLevel, std::string_view)>;

// Writes lines to `out`; `journald` selects the "<N>" prefix form.
class LineLogger {
 public:
  LineLogger(FILE* out, bool journald, bool verbose) : out_(out), journald_(journald), verbose_(verbose) {}
  void Log(LogLevel level, std::string_view text) const;
  LogSink Sink() const {
    return [this](LogLevel level, std::string_view text) { Log(level, text); };
  }

 private:
  FILE* out_;
  bool journald_;
  bool verbose_;
};

// True when stderr is the journal stream systemd set up (JOURNAL_STREAM is
// "DEV:INODE" of that stream; compare with fstat of fd 2).
bool StderrIsJournal();

}  // namespace kstarve::guard
