#include "capture/tracefs_session.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "context/file_text.h"
#include "context/proc_parsers.h"

namespace kstarve {
namespace {

constexpr char kTracefsMount[] = "/sys/kernel/tracing";

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(path.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    }
    ::closedir(d);
  }
  return names;
}

}  // namespace

std::vector<std::string> DefaultRecordEvents() {
  // clang-format off
  return {"sched:sched_switch", "sched:sched_waking", "sched:sched_wakeup", "sched:sched_wakeup_new",
          "sched:sched_migrate_task", "sched:sched_process_fork", "sched:sched_process_exit",
          "irq:irq_handler_entry", "irq:irq_handler_exit",
          "irq:softirq_entry", "irq:softirq_exit", "irq:softirq_raise"};
  // clang-format on
}

const char* WorkqueueRecordEvent() {
  return "workqueue:workqueue_execute_start";
}

int RemoveStaleInstances(const std::string& tracing_dir, std::ostream& log) {
  int removed = 0;
  const std::string instances = tracing_dir + "/instances";
  for (const std::string& name : ListDir(instances)) {
    if (name.rfind("kstarve-", 0) != 0) continue;
    int pid = 0;
    const char* digits = name.c_str() + std::strlen("kstarve-");
    const auto [ptr, ec] = std::from_chars(digits, name.c_str() + name.size(), pid);
    if (ec != std::errc() || *ptr != '\0' || pid <= 0) continue;
    // Only a dead owner's instance is stale; a live one is another recording.
    if (pid != ::getpid() && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;
    std::string path = instances;
    path += '/';
    path += name;
    if (::rmdir(path.c_str()) == 0) {
      log << "kstarve record: removed tracefs instance " << name << " left by a process that no longer runs\n";
      ++removed;
    } else {
      log << "kstarve record: warning: cannot remove stale tracefs instance " << name << ": " << std::strerror(errno)
          << "\n";
    }
  }
  return removed;
}

Result<std::unique_ptr<TracefsSession>> TracefsSession::Open(const SessionOptions& options, std::ostream& log) {
  std::unique_ptr<TracefsSession> s(new TracefsSession(log));
  std::string mountinfo;
  ReadFileText("/proc/self/mountinfo", mountinfo);
  if (!MountinfoHas(mountinfo, "tracefs", kTracefsMount)) {
    if (::mount("nodev", kTracefsMount, "tracefs", 0, nullptr) != 0) {
      return Status::Error(std::string("cannot mount tracefs at ") + kTracefsMount + ": " + std::strerror(errno) +
                           " (kstarve record needs root and a kernel with tracefs)");
    }
    s->mounted_tracefs_ = true;
  }
  const char* tracing = ks_tracing_dir();
  if (tracing == nullptr) return Status::Error("no tracefs found after mounting it at /sys/kernel/tracing");
  s->tracing_dir_ = tracing;
  if (::access((s->tracing_dir_ + "/instances").c_str(), W_OK) != 0) {
    return Status::Error(s->tracing_dir_ + "/instances: " + std::strerror(errno) + " (kstarve record needs root)");
  }
  RemoveStaleInstances(s->tracing_dir_, log);

  s->instance_ = ks_instance_create(options.instance_name.c_str());
  if (s->instance_ == nullptr) {
    return Status::Error("cannot create tracefs instance " + options.instance_name + ": " + std::strerror(errno));
  }
  if (char* dir = ks_instance_dir(s->instance_)) {
    s->dir_ = dir;
    std::free(dir);
  }
  for (const std::string& name : ListDir(s->dir_ + "/per_cpu")) {
    if (name.rfind("cpu", 0) == 0) ++s->cpus_;
  }
  if (s->cpus_ == 0) return Status::Error(s->dir_ + "/per_cpu: no CPUs listed");
  if (ks_instance_set_buffer_kb(s->instance_, options.buffer_kb) != 0) {
    return Status::Error("cannot set " + s->dir_ + "/buffer_size_kb to " + std::to_string(options.buffer_kb) + ": " +
                         std::strerror(errno));
  }
  if (!options.clock.empty() && ks_instance_write(s->instance_, "trace_clock", options.clock.c_str()) != 0) {
    return Status::Error("trace clock '" + options.clock + "' is not offered by this kernel (see " + s->dir_ +
                         "/trace_clock)");
  }

  bool have_switch = false;
  for (const std::string& spec : options.events) {
    const size_t colon = spec.find(':');
    const std::string system = spec.substr(0, colon);
    const std::string event = colon == std::string::npos ? "*" : spec.substr(colon + 1);
    std::string rel = "events/" + system;
    if (event != "*") rel += "/" + event;
    if (system.empty() || event.empty() || !IsDir(s->dir_ + "/" + rel)) {
      log << "kstarve record: warning: event " << spec << " is not available on this kernel; skipped\n";
      continue;
    }
    if (ks_instance_write(s->instance_, (rel + "/enable").c_str(), "1") != 0) {
      log << "kstarve record: warning: cannot enable " << spec << ": " << std::strerror(errno) << "; skipped\n";
      continue;
    }
    s->enabled_.push_back(spec);
    if (system == "sched" && (event == "sched_switch" || event == "*")) have_switch = true;
  }
  if (!have_switch) {
    return Status::Error("sched:sched_switch cannot be enabled: without it there is nothing to analyze");
  }
  return s;
}

Status TracefsSession::TracingOn() {
  if (ks_tracing_on(instance_) != 0) return Status::Error("cannot turn tracing on in " + dir_);
  return Status::Ok();
}

void TracefsSession::TracingOff() {
  if (instance_ != nullptr) ks_tracing_off(instance_);
}

std::string TracefsSession::ReadFile(const std::string& relative) const {
  std::string text;
  ReadFileText(dir_ + "/" + relative, text);
  return text;
}

TracefsSession::~TracefsSession() {
  if (instance_ != nullptr) {
    ks_tracing_off(instance_);
    // Removing the instance frees its buffers and drops every setting made
    // in it; nothing outside it was changed.
    if (ks_instance_destroy(instance_) != 0) {
      log_ << "kstarve record: warning: cannot remove tracefs instance " << dir_ << ": " << std::strerror(errno)
           << " (remove it with rmdir)\n";
    }
  }
  if (mounted_tracefs_ && ::umount2(kTracefsMount, 0) != 0) {
    log_ << "kstarve record: warning: cannot unmount " << kTracefsMount << ": " << std::strerror(errno) << "\n";
  }
}

}  // namespace kstarve
