// Helpers for live tests: running commands, and the tracefs state that
// every live test must leave as it found it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace kstarve::live {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` through the shell; stdout in `out`, returns the exit status.
inline int Shell(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (out != nullptr) out->append(buf, n);
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline std::string TracingDir() {
  for (const char* d : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    if (access((std::string(d) + "/events").c_str(), F_OK) == 0) return d;
  }
  return "";
}

// Why a live test cannot run here, or "" if it can.
inline std::string WhyNotLive(bool needs_fio) {
  if (geteuid() != 0) return "needs root (tracefs, cgroups and sched_setattr on kernel threads)";
  if (TracingDir().empty()) return "tracefs is not mounted at /sys/kernel/tracing";
  if (needs_fio && Shell("command -v fio >/dev/null 2>&1") != 0) return "fio is not installed";
  return "";
}

// The global tracing settings and the list of instances.
inline std::map<std::string, std::string> TracefsState() {
  std::map<std::string, std::string> s;
  const std::string d = TracingDir();
  for (const char* f : {"tracing_on", "current_tracer", "set_event", "trace_clock", "buffer_size_kb", "events/enable",
                        "trace_options", "set_ftrace_pid", "set_event_pid"}) {
    s[f] = ReadText(d + "/" + f);
  }
  std::string instances;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(d + "/instances", ec)) {
    instances += e.path().filename().string() + " ";
  }
  s["instances/"] = instances;
  return s;
}

}  // namespace kstarve::live
