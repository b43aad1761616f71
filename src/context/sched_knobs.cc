#include "context/sched_knobs.h"

#include <dirent.h>
#include <sys/mount.h>

#include <cerrno>
#include <charconv>
#include <memory>

#include "context/file_text.h"
#include "context/proc_parsers.h"

namespace kstarve {
namespace {

// Reads one knob. A missing file is not listed (an older kernel simply has
// no such knob); one that exists but cannot be read goes to `unreadable`.
bool ReadKnob(const std::string& path, const std::string& name, std::string& text, SchedKnobs& knobs) {
  const int error = ReadFileText(path, text);
  if (error == 0) return true;
  if (error != ENOENT) knobs.unreadable.push_back(name + ": " + ErrnoText(error));
  return false;
}

template <typename T>
bool ParseNumber(std::string text, T& out) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

template <typename T>
void ReadNumberKnob(const std::string& path, const std::string& name, std::optional<T>& out, SchedKnobs& knobs) {
  std::string text;
  if (!ReadKnob(path, name, text, knobs)) return;
  T value{};
  if (ParseNumber(text, value)) {
    out = value;
  } else {
    knobs.unreadable.push_back(name + ": not a number: '" + text + "'");
  }
}

// Unmounts debugfs at scope exit if we mounted it.
struct DebugfsMount {
  bool mounted = false;
  DebugfsMount() = default;
  DebugfsMount(const DebugfsMount&) = delete;
  DebugfsMount& operator=(const DebugfsMount&) = delete;
  ~DebugfsMount() {
    if (mounted) ::umount2("/sys/kernel/debug", 0);
  }
};

}  // namespace

SchedKnobs ReadSchedKnobs(const std::string& root, bool live) {
  SchedKnobs knobs;
  DebugfsMount debugfs;
  if (live) {
    std::string mountinfo;
    if (ReadFileText("/proc/self/mountinfo", mountinfo) == 0 &&
        !MountinfoHas(mountinfo, "debugfs", "/sys/kernel/debug")) {
      debugfs.mounted = ::mount("nodev", "/sys/kernel/debug", "debugfs", 0, nullptr) == 0;
      if (!debugfs.mounted) knobs.unreadable.push_back("debugfs: cannot mount: " + ErrnoText(errno));
    }
  }
  const std::string sched = root + "/sys/kernel/debug/sched";
  ReadNumberKnob(sched + "/base_slice_ns", "base_slice_ns", knobs.base_slice_ns, knobs);
  std::string text;
  if (ReadKnob(sched + "/features", "features", text, knobs)) knobs.features = SplitWords(text);
  ReadNumberKnob(root + "/proc/sys/kernel/sched_rt_runtime_us", "sched_rt_runtime_us", knobs.rt_runtime_us, knobs);
  ReadNumberKnob(root + "/proc/sys/kernel/sched_rt_period_us", "sched_rt_period_us", knobs.rt_period_us, knobs);

  const std::string fair = sched + "/fair_server";
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(fair.c_str()), ::closedir);
  if (!dir) return knobs;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    int cpu = 0;
    if (name.rfind("cpu", 0) != 0 || !ParseNumber(name.substr(3), cpu)) continue;
    const std::string knob = "fair_server/" + name;
    std::string runtime_text, period_text;
    uint64_t runtime = 0, period = 0;
    std::string dir = fair;
    dir += '/';
    dir += name;
    if (!ReadKnob(dir + "/runtime", knob + "/runtime", runtime_text, knobs) ||
        !ReadKnob(dir + "/period", knob + "/period", period_text, knobs)) {
      continue;
    }
    if (ParseNumber(runtime_text, runtime) && ParseNumber(period_text, period)) {
      knobs.fair_server[cpu] = {runtime, period};
    } else {
      knobs.unreadable.push_back(knob + ": not numbers");
    }
  }
  return knobs;
}

}  // namespace kstarve
