#include "context/proc_parsers.h"

#include <charconv>

namespace kstarve {
namespace {

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

template <typename T>
bool ToNumber(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Calls fn(line) for each line of text.
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    fn(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text, const std::string& where) {
  // The comm may contain spaces and parentheses: it runs from the first '('
  // to the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Status::Error(where + ": expected 'PID (COMM) STATE ...'");
  }
  ProcStat st;
  if (!ToNumber(Trim(text.substr(0, open)), st.pid)) {
    return Status::Error(where + ": expected a pid before '(', got '" + std::string(Trim(text.substr(0, open))) + "'");
  }
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // After the comm: field 3 (state) is rest[0]; field N is rest[N - 3].
  const std::vector<std::string_view> rest = SplitSpaces(text.substr(close + 1));
  constexpr size_t kPolicyIndex = 41 - 3;
  if (rest.size() <= kPolicyIndex) {
    return Status::Error(where + ": expected at least 41 fields, got " + std::to_string(rest.size() + 2));
  }
  st.state = rest[0].empty() ? '?' : rest[0][0];
  struct Field {
    int number;
    bool ok;
  };
  const Field fields[] = {
      {9, ToNumber(rest[9 - 3], st.flags)},        {19, ToNumber(rest[19 - 3], st.nice)},
      {22, ToNumber(rest[22 - 3], st.start_time)}, {40, ToNumber(rest[40 - 3], st.rt_priority)},
      {41, ToNumber(rest[41 - 3], st.policy)},
  };
  for (const Field& f : fields) {
    if (!f.ok) {
      return Status::Error(where + ": field " + std::to_string(f.number) + ": expected a number, got '" +
                           std::string(rest[f.number - 3]) + "'");
    }
  }
  return st;
}

Result<ProcStatus> ParseProcStatus(std::string_view text, const std::string& where) {
  ProcStatus st;
  bool have_tgid = false;
  ForEachLine(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "Tgid") {
      have_tgid = ToNumber(value, st.tgid);
    } else if (key == "Cpus_allowed_list") {
      st.cpus_allowed_list = std::string(value);
    }
  });
  if (!have_tgid) return Status::Error(where + ": expected a line 'Tgid: NUMBER'");
  return st;
}

ProcCgroups ParseProcCgroup(std::string_view text) {
  ProcCgroups out;
  ForEachLine(text, [&](std::string_view line) {
    // hierarchy-ID:controller-list:path; the path may contain ':'.
    const size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    const size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    const std::string_view id = line.substr(0, c1);
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view path = Trim(line.substr(c2 + 1));
    if (id == "0" && controllers.empty()) {
      out.v2 = std::string(path);
      return;
    }
    std::string_view list = controllers;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      if (list.substr(0, comma) == "cpu") {
        out.v1_cpu = std::string(path);
        return;
      }
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  });
  return out;
}

CgroupMounts ParseMountinfo(std::string_view text) {
  CgroupMounts out;
  ForEachLine(text, [&](std::string_view line) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    const std::vector<std::string_view> f = SplitSpaces(line);
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); ++i) {
      if (f[i] == "-") {
        dash = i;
        break;
      }
    }
    if (dash == 0 || dash + 3 >= f.size()) return;
    const std::string_view fstype = f[dash + 1];
    if (fstype == "cgroup2" && out.v2.empty()) {
      out.v2 = std::string(f[4]);
      out.v2_root = std::string(f[3]);
    } else if (fstype == "cgroup" && out.v1_cpu.empty()) {
      std::string_view opts = f[dash + 3];  // super options: "rw,cpu" or "rw,cpu,cpuacct"
      while (!opts.empty()) {
        const size_t comma = opts.find(',');
        if (opts.substr(0, comma) == "cpu") {
          out.v1_cpu = std::string(f[4]);
          out.v1_cpu_root = std::string(f[3]);
          break;
        }
        if (comma == std::string_view::npos) break;
        opts.remove_prefix(comma + 1);
      }
    }
  });
  return out;
}

bool MountinfoHas(std::string_view text, std::string_view fstype, std::string_view mount_point) {
  bool found = false;
  ForEachLine(text, [&](std::string_view line) {
    const std::vector<std::string_view> f = SplitSpaces(line);
    for (size_t i = 6; i + 1 < f.size(); ++i) {
      if (f[i] == "-") {
        if (f[i + 1] == fstype && f[4] == mount_point) found = true;
        break;
      }
    }
  });
  return found;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view w : SplitSpaces(text)) out.emplace_back(w);
  return out;
}

}  // namespace kstarve
