#include "guard/log.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace kstarve::guard {

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

}  // namespace

void LineLogger::Log(LogLevel level, std::string_view text) const {
  if (level == LogLevel::kDebug && !verbose_) return;
  std::string line;
  line.reserve(text.size() + 32);
  if (journald_) {
    line += '<';
    line += std::to_string(static_cast<int>(level));
    line += '>';
  } else {
    line += "kstarve-guard: ";
    line += LevelName(level);
    line += ": ";
  }
  line.append(text);
  line += '\n';
  // One write per line so lines of concurrent writers never interleave.
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

}  // namespace kstarve::guard
