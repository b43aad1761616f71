// What the guard's starvation detector costs (issue 4: "with nothing
// starving, the guard costs at most 1 % of one CPU"): the CPU time of the
// polling process, and the throughput of a context-switch-heavy load on
// CPU 1 with and without the detector attached (BPF programs run inside the
// load's context switches, so their cost shows there, not in the poller).
//
//   detector_cost --backend bpf|tracefs|none [--seconds N] [--long-wait-ms N] [--poll-ms N] [--no-bpf-stats]
//
// Prints one line: backend, seconds, poller CPU % of one CPU, polls/s, load
// round trips/s, reports. Needs root for bpf/tracefs. The load is a pipe
// ping-pong of two processes pinned to CPU 1; the poller runs on CPU 0.
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "guard/detector/detector_options.h"
#include "guard/detector/tracefs_detector.h"
#ifdef KSTARVE_HAVE_BPF
#include "guard/detector/bpf_detector.h"
#endif

namespace {

using kstarve::guard::DetectorOptions;
using kstarve::guard::MonotonicNowNs;

void Pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Two processes on CPU 1 passing a byte back and forth until `end_ns`; the
// round-trip count comes back through `result`.
pid_t StartPingPong(int64_t end_ns, int result) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  Pin(1);
  int a[2], b[2];
  if (pipe(a) != 0 || pipe(b) != 0) _exit(1);
  const pid_t echo = fork();
  if (echo == 0) {
    close(a[1]);
    close(b[0]);
    char c = 0;
    while (read(a[0], &c, 1) == 1 && write(b[1], &c, 1) == 1) {
    }
    _exit(0);
  }
  close(a[0]);
  close(b[1]);
  long long trips = 0;
  char c = 0;
  while (MonotonicNowNs() < end_ns) {
    for (int i = 0; i < 256; ++i) {
      if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) _exit(1);
    }
    trips += 256;
  }
  close(a[1]);
  waitpid(echo, nullptr, 0);
  if (write(result, &trips, sizeof trips) != static_cast<ssize_t>(sizeof trips)) _exit(1);
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string backend = "bpf";
  double seconds = 5;
  DetectorOptions options;
  bool bpf_stats = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
      backend = argv[++i];
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--long-wait-ms") == 0 && i + 1 < argc) {
      options.long_wait_ns = static_cast<int64_t>(std::atof(argv[++i]) * 1e6);
    } else if (std::strcmp(argv[i], "--no-bpf-stats") == 0) {
      bpf_stats = false;  // what the statistics themselves cost shows in the round trips
    } else if (std::strcmp(argv[i], "--poll-ms") == 0 && i + 1 < argc) {
      options.poll_interval_ns = static_cast<int64_t>(std::atof(argv[++i]) * 1e6);
    } else {
      std::fprintf(
          stderr,
          "usage: %s --backend bpf|tracefs|none [--seconds N] [--long-wait-ms N] [--poll-ms N] [--no-bpf-stats]\n",
          argv[0]);
      return 2;
    }
  }
  if (seconds <= 0 || seconds > 120) {
    std::fprintf(stderr, "detector_cost: --seconds must be in (0, 120]\n");
    return 2;
  }
  Pin(0);
  std::unique_ptr<kstarve::guard::Detector> detector;
  if (backend == "tracefs") {
    detector = std::make_unique<kstarve::guard::TracefsDetector>(options);
#ifdef KSTARVE_HAVE_BPF
  } else if (backend == "bpf") {
    kstarve::guard::BpfDetectorConfig config;
    config.run_stats = bpf_stats;
    detector = std::make_unique<kstarve::guard::BpfDetector>(options, config);
#endif
  } else if (backend != "none") {
    std::fprintf(stderr, "detector_cost: backend %s is not available in this build\n", backend.c_str());
    return 2;
  }
  if (detector) {
    if (kstarve::Status s = detector->Start(); !s.ok()) {
      std::fprintf(stderr, "detector_cost: %s\n", s.message().c_str());
      return 1;
    }
  }
  int result[2];
  if (pipe(result) != 0) return 1;
  const int64_t start = MonotonicNowNs();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  const pid_t load = StartPingPong(end, result[1]);
  const double cpu0 = CpuSeconds();
  long long polls = 0, reports = 0;
  const int64_t interval = kstarve::guard::PollIntervalNs(options);
  while (MonotonicNowNs() < end) {
    int64_t next = detector && detector->NextPollNs() != 0 ? detector->NextPollNs() : MonotonicNowNs() + interval;
    next = std::min(next, end);
    const timespec ts{static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    if (!detector) continue;
    ++polls;
    if (kstarve::Status s = detector->Poll([&](const kstarve::guard::Starvation&) { ++reports; }); !s.ok()) {
      std::fprintf(stderr, "detector_cost: %s\n", s.message().c_str());
      break;
    }
  }
  const double cpu = CpuSeconds() - cpu0;
  const double elapsed = static_cast<double>(MonotonicNowNs() - start) / 1e9;
  long long trips = 0;
  waitpid(load, nullptr, 0);
  if (read(result[0], &trips, sizeof trips) != static_cast<ssize_t>(sizeof trips)) trips = -1;
  // The programs' own run time (BPF only): spent in the load's context
  // switches, so it shows in the round trips, not in poller_cpu.
  const kstarve::guard::DetectorCost cost = detector ? detector->Cost() : kstarve::guard::DetectorCost{};
  if (detector) detector->Stop();
  std::printf("backend %-8s seconds %.1f poller_cpu %.3f%% polls/s %.0f load_round_trips/s %.0f reports %lld",
              backend.c_str(), elapsed, 100.0 * cpu / elapsed, static_cast<double>(polls) / elapsed,
              static_cast<double>(trips) / elapsed, reports);
  if (cost.available) {
    const auto ns = static_cast<double>(cost.run_time_ns());
    const auto runs = static_cast<double>(cost.runs());
    std::printf(" bpf_cpu %.3f%% bpf_runs/s %.0f bpf_ns/run %.0f", ns / (elapsed * 1e9) * 100, runs / elapsed,
                runs > 0 ? ns / runs : 0.0);
    for (const kstarve::guard::ProgramCost& p : cost.programs) {
      std::printf(" %s:%.0fns", p.name.c_str(), p.runs > 0 ? static_cast<double>(p.run_time_ns) / p.runs : 0.0);
    }
  }
  std::printf("\n");
  return 0;
}
