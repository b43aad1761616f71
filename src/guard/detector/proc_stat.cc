#include "guard/detector/proc_stat.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <charconv>

namespace kstarve::guard {

std::optional<ProcTaskStat> ParseProcStat(std::string_view text) {
  // "pid (comm) S ppid ..."; comm may itself contain ") ", so the last ')' ends it.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open || close + 2 >= text.size()) {
    return std::nullopt;
  }
  ProcTaskStat s;
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  s.state = text[close + 2];
  // Fields after comm are space separated; the state is field 3.
  const char* end = text.data() + text.size();
  size_t pos = close + 2;
  for (int field = 3; field < 39; ++field) {
    pos = text.find(' ', pos);
    if (pos == std::string_view::npos) return s;
    ++pos;
    int value = 0;
    if (field + 1 == 18 && std::from_chars(text.data() + pos, end, value).ec == std::errc()) s.prio = value + 100;
  }
  int cpu = -1;
  if (std::from_chars(text.data() + pos, end, cpu).ec == std::errc()) s.cpu = cpu;
  return s;
}

std::optional<ProcTaskStat> ReadProcStat(int32_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::array<char, 1024> buf{};
  const ssize_t n = read(fd, buf.data(), buf.size());
  close(fd);
  if (n <= 0) return std::nullopt;
  return ParseProcStat(std::string_view(buf.data(), static_cast<size_t>(n)));
}

}  // namespace kstarve::guard
