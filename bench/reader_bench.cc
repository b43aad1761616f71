// Throughput of kstarve's text readers and of the whole report pipeline.
//
//   reader_bench [--ftrace=PATH] [--trace-cmd=PATH] [--perf-script=PATH]
//                [--benchmark_* flags]
//
// Benchmarks (one per input that exists; a missing one is skipped with a
// message on stderr):
//   read/FORMAT     ReadTrace() of the file into a sink that only counts
//   analyze/ftrace  AnalyzeTraces() on the ftrace text: read, sort, analyze
// items_per_second is events per second and bytes_per_second input bytes
// per second, both per second of process CPU time (the readers and the
// pipeline are single-threaded, so this is per core). wall_events_per_s and
// wall_MB_per_s are the same per second of wall time.
//
// Inputs: the flags above, else $KSTARVE_BENCH_FTRACE, $KSTARVE_BENCH_TRACE_CMD,
// $KSTARVE_BENCH_PERF_SCRIPT, else bench/data/{ftrace,trace-cmd,perf-script}.txt
// as bench/make_inputs.sh writes them.
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/analyze_traces.h"
#include "readers/trace_reader.h"

#ifndef KSTARVE_BENCH_DATA_DIR
#define KSTARVE_BENCH_DATA_DIR "bench/data"
#endif

namespace kstarve {
namespace {

struct Input {
  const char* name;    // format name, as TraceFormatName() prints it
  const char* flag;    // --flag=PATH
  const char* env;     // environment variable
  const char* file;    // default file in bench/data
  TraceFormat format;  // what ReadTrace must detect
  std::string path;
};

class CountingSink : public EventSink {
 public:
  void OnEvent(const Event& e) override {
    ++events;
    checksum += static_cast<uint64_t>(e.ts) ^ static_cast<uint64_t>(e.tid);
  }
  uint64_t events = 0;
  uint64_t checksum = 0;
};

using Clock = std::chrono::steady_clock;

void SetRates(benchmark::State& state, uint64_t events, uint64_t bytes, double wall_s, uint64_t per_iteration_events,
              uint64_t per_iteration_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events"] = static_cast<double>(per_iteration_events);
  state.counters["MB"] = static_cast<double>(per_iteration_bytes) / 1e6;
  if (wall_s > 0) {
    state.counters["wall_events_per_s"] = static_cast<double>(events) / wall_s;
    state.counters["wall_MB_per_s"] = static_cast<double>(bytes) / 1e6 / wall_s;
  }
}

void BM_Read(benchmark::State& state, const Input* in) {
  uint64_t events = 0, bytes = 0, last_events = 0, last_bytes = 0;
  double wall_s = 0;
  for (auto _ : state) {
    StringInterner strings;
    CountingSink sink;
    ReadStats stats;
    auto t0 = Clock::now();
    Result<TraceFormat> f = ReadTrace(in->path, strings, sink, stats);
    wall_s += std::chrono::duration<double>(Clock::now() - t0).count();
    if (!f.ok()) {
      state.SkipWithError(f.status().message().c_str());
      return;
    }
    if (*f != in->format) {
      static std::string msg;
      msg = in->path + ": detected as " + std::string(TraceFormatName(*f)) + ", expected " + in->name;
      state.SkipWithError(msg.c_str());
      return;
    }
    benchmark::DoNotOptimize(sink.checksum);
    events += sink.events;
    bytes += stats.bytes;
    last_events = sink.events;
    last_bytes = stats.bytes;
    state.counters["malformed"] = static_cast<double>(stats.malformed);
    state.counters["skipped_lines"] = static_cast<double>(stats.skipped_lines);
  }
  SetRates(state, events, bytes, wall_s, last_events, last_bytes);
}

void BM_Analyze(benchmark::State& state, const Input* in) {
  uint64_t events = 0, bytes = 0, last_events = 0;
  double wall_s = 0;
  struct stat st {};
  uint64_t file_bytes = stat(in->path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  for (auto _ : state) {
    AnalyzeRequest req;
    req.inputs = {in->path};
    auto t0 = Clock::now();
    Result<Report> r = AnalyzeTraces(req);
    wall_s += std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok()) {
      static std::string msg;
      msg = r.status().message();
      state.SkipWithError(msg.c_str());
      return;
    }
    benchmark::DoNotOptimize(r->tasks.size());
    last_events = r->trace.events;
    events += last_events;
    bytes += file_bytes;
    state.counters["tasks"] = static_cast<double>(r->tasks.size());
    state.counters["episodes"] = static_cast<double>(r->episodes_total);
  }
  SetRates(state, events, bytes, wall_s, last_events, file_bytes);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace
}  // namespace kstarve

int main(int argc, char** argv) {
  using kstarve::Input;
  using kstarve::TraceFormat;
  static std::vector<Input> inputs = {
      {"ftrace", "--ftrace=", "KSTARVE_BENCH_FTRACE", "ftrace.txt", TraceFormat::kFtraceText, {}},
      {"trace-cmd", "--trace-cmd=", "KSTARVE_BENCH_TRACE_CMD", "trace-cmd.txt", TraceFormat::kTraceCmdReport, {}},
      {"perf-script", "--perf-script=", "KSTARVE_BENCH_PERF_SCRIPT", "perf-script.txt", TraceFormat::kPerfScript, {}},
  };
  // Our flags first (removed from argv), then Google Benchmark's.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    bool ours = false;
    for (Input& in : inputs) {
      if (std::strncmp(argv[i], in.flag, std::strlen(in.flag)) == 0) {
        in.path = argv[i] + std::strlen(in.flag);
        ours = true;
      }
    }
    if (!ours) argv[kept++] = argv[i];
  }
  argc = kept;
  for (Input& in : inputs) {
    if (!in.path.empty()) continue;
    const char* env = std::getenv(in.env);
    in.path = env != nullptr && *env != '\0' ? std::string(env) : std::string(KSTARVE_BENCH_DATA_DIR "/") + in.file;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  int registered = 0;
  for (const Input& in : inputs) {
    if (!kstarve::Exists(in.path)) {
      std::fprintf(stderr, "reader_bench: skipping %s: %s not found (run bench/make_inputs.sh, or pass %sPATH)\n",
                   in.name, in.path.c_str(), in.flag);
      continue;
    }
    benchmark::RegisterBenchmark((std::string("read/") + in.name).c_str(), kstarve::BM_Read, &in)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
    ++registered;
    if (in.format == TraceFormat::kFtraceText) {
      benchmark::RegisterBenchmark("analyze/ftrace", kstarve::BM_Analyze, &in)
          ->MeasureProcessCPUTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  if (registered == 0) {
    std::fprintf(stderr, "reader_bench: no input found; nothing to run\n");
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
