#include "capture/trace_dat_writer.h"

#include <cerrno>
#include <cstring>
#include <memory>

#include "capture/tracecmd_output.h"

namespace kstarve {
namespace {

struct OutputCloser {
  void operator()(tracecmd_output* h) const { tracecmd_output_close(h); }
};

std::string Why(const std::string& output, const char* step) {
  return output + ": cannot write trace.dat (" + step + (errno ? std::string(": ") + std::strerror(errno) : "") + ")";
}

}  // namespace

Status WriteTraceDat(const std::string& output, const TraceDatInput& input) {
  errno = 0;
  std::unique_ptr<tracecmd_output, OutputCloser> h(tracecmd_output_create(output.c_str()));
  if (!h) return Status::Error(Why(output, "create"));
  tracecmd_set_quiet(h.get(), true);
  if (tracecmd_output_write_headers(h.get(), nullptr) < 0) return Status::Error(Why(output, "event formats"));
  if (!input.trace_clock.empty()) {
    const int size = static_cast<int>(input.trace_clock.size() + 1);
    if (tracecmd_add_option(h.get(), kTracecmdOptionTraceClock, size, input.trace_clock.c_str()) == nullptr) {
      return Status::Error(Why(output, "trace clock option"));
    }
  }
  // What `trace-cmd report --stat` shows: the kernel's per-CPU counters,
  // including overrun (events lost).
  for (size_t cpu = 0; cpu < input.cpu_stats.size(); ++cpu) {
    if (input.cpu_stats[cpu].empty()) continue;
    const std::string text = "CPU: " + std::to_string(cpu) + "\n" + input.cpu_stats[cpu];
    if (tracecmd_add_option(h.get(), kTracecmdOptionCpuStat, static_cast<int>(text.size() + 1), text.c_str()) ==
        nullptr) {
      return Status::Error(Why(output, "cpu stat option"));
    }
  }
  if (tracecmd_write_cmdlines(h.get()) < 0) return Status::Error(Why(output, "cmdlines"));
  std::vector<char*> files;
  files.reserve(input.cpu_files.size());
  for (const std::string& f : input.cpu_files) files.push_back(const_cast<char*>(f.c_str()));
  if (tracecmd_append_cpu_data(h.get(), static_cast<int>(files.size()), files.data()) < 0) {
    return Status::Error(Why(output, "cpu data"));
  }
  return Status::Ok();
}

}  // namespace kstarve
