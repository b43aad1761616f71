// Throughput of kstarve's trace.dat reader, and of libtracecmd's
// tracecmd_iterate_events on the same file for comparison.
//
//   tracedat_bench [--tracedat=PATH] [--benchmark_* flags]
//
// PATH (else $KSTARVE_BENCH_TRACEDAT, else the committed test recording
// tests/readers/data/tracedat/small.v7.dat.zst) is a trace.dat, possibly
// zstd-compressed as a whole. Benchmarks:
//   read/trace.dat/memory  ReadTraceBuffer() of the (decompressed) bytes
//   read/trace.dat/file    ReadTrace() of PATH, if PATH is not compressed: the
//                          metadata through mmap, the CPU data with pread()
//                          into a 1 MiB window per CPU (the page cache warm)
//   libtracecmd/iterate    tracecmd_open + tracecmd_iterate_events over every
//                          buffer instance (only if built with libtracecmd)
// items_per_second is ring-buffer records per CPU second (used events plus
// other events; the reader is single-threaded, so this is per core);
// events_per_s counts only the events kstarve uses, per CPU second.
// Before the benchmarks, one timed read prints the figures for PATH.
#include <benchmark/benchmark.h>
#include <zstd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "readers/trace_reader.h"

#ifdef KSTARVE_BENCH_LIBTRACECMD
#include <sched.h>
// The public input API of libtracecmd (trace-cmd.h), declared here because
// that header pulls in tracefs.h, which does not compile as C++.
extern "C" {
struct tracecmd_input;
struct tep_record;
tracecmd_input* tracecmd_open(const char* file, int flags);
void tracecmd_close(tracecmd_input* handle);
int tracecmd_buffer_instances(tracecmd_input* handle);
tracecmd_input* tracecmd_buffer_instance_handle(tracecmd_input* handle, int index);
int tracecmd_iterate_events(tracecmd_input* handle, cpu_set_t* cpus, int cpu_size,
                            int (*callback)(tracecmd_input*, tep_record*, int, void*), void* data);
}
constexpr int kTracecmdNoPlugins = 1;  // TRACECMD_FL_LOAD_NO_PLUGINS
#endif

#ifndef KSTARVE_SOURCE_DIR
#define KSTARVE_SOURCE_DIR "."
#endif

namespace kstarve {
namespace {

class CountingSink : public EventSink {
 public:
  void OnEvent(const Event& e) override {
    ++events;
    checksum += static_cast<uint64_t>(e.ts) ^ static_cast<uint64_t>(e.tid) ^ e.comm;
  }
  uint64_t events = 0;
  uint64_t checksum = 0;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The file's bytes, decompressed if it is one zstd frame of known size.
std::string Load(const std::string& path, bool* compressed) {
  std::string raw = ReadAll(path);
  unsigned long long size = ZSTD_getFrameContentSize(raw.data(), raw.size());
  *compressed = size != ZSTD_CONTENTSIZE_ERROR;
  if (!*compressed || size == ZSTD_CONTENTSIZE_UNKNOWN) return raw;
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), raw.data(), raw.size());
  if (ZSTD_isError(n) != 0U) return {};
  return out;
}

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string g_path;
std::string g_bytes;
bool g_compressed = false;

void SetCounters(benchmark::State& state, uint64_t records, uint64_t events, uint64_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

void BM_ReadMemory(benchmark::State& state) {
  uint64_t records = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    StringInterner strings;
    CountingSink sink;
    ReadStats stats;
    Result<TraceFormat> r = ReadTraceBuffer(g_bytes, "bench.dat", strings, sink, stats);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(sink.checksum);
    records += stats.events + stats.other_events;
    events += stats.events;
  }
  SetCounters(state, records, events, g_bytes.size() * state.iterations());
}

void BM_ReadFile(benchmark::State& state) {
  uint64_t records = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    StringInterner strings;
    CountingSink sink;
    ReadStats stats;
    Result<TraceFormat> r = ReadTrace(g_path, strings, sink, stats);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(sink.checksum);
    records += stats.events + stats.other_events;
    events += stats.events;
  }
  SetCounters(state, records, events, g_bytes.size() * state.iterations());
}

#ifdef KSTARVE_BENCH_LIBTRACECMD
int CountRecord(tracecmd_input* /*handle*/, tep_record* /*record*/, int /*cpu*/, void* data) {
  ++*static_cast<uint64_t*>(data);
  return 0;
}

// Records libtracecmd iterates in every buffer of the file at `path`.
bool IterateLibtracecmd(const std::string& path, uint64_t& records) {
  tracecmd_input* top = tracecmd_open(path.c_str(), kTracecmdNoPlugins);
  if (top == nullptr) return false;
  tracecmd_iterate_events(top, nullptr, 0, CountRecord, &records);
  int n = tracecmd_buffer_instances(top);
  for (int i = 0; i < n; ++i) {
    tracecmd_input* inst = tracecmd_buffer_instance_handle(top, i);
    if (inst == nullptr) continue;
    tracecmd_iterate_events(inst, nullptr, 0, CountRecord, &records);
    tracecmd_close(inst);
  }
  tracecmd_close(top);
  return true;
}

void BM_Libtracecmd(benchmark::State& state) {
  uint64_t records = 0;
  for (auto _ : state) {
    if (!IterateLibtracecmd(g_path, records)) {
      state.SkipWithError("tracecmd_open failed");
      return;
    }
  }
  SetCounters(state, records, 0, g_bytes.size() * state.iterations());
}
#endif

// One read with its figures printed, for the record.
void PrintOnce() {
  StringInterner strings;
  CountingSink sink;
  ReadStats stats;
  double c0 = CpuSeconds();
  auto w0 = std::chrono::steady_clock::now();
  Result<TraceFormat> r = ReadTraceBuffer(g_bytes, g_path, strings, sink, stats);
  double cpu = CpuSeconds() - c0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  if (!r.ok()) {
    std::fprintf(stderr, "tracedat_bench: %s\n", r.status().message().c_str());
    return;
  }
  uint64_t records = stats.events + stats.other_events;
  std::printf(
      "trace.dat %s: %.1f MB, %llu records (%llu events used), %.3f s CPU, %.3f s wall: %.1f M records/s per "
      "core\n",
      g_path.c_str(), static_cast<double>(g_bytes.size()) / 1e6, static_cast<unsigned long long>(records),
      static_cast<unsigned long long>(stats.events), cpu, wall, static_cast<double>(records) / cpu / 1e6);
}

}  // namespace
}  // namespace kstarve

int main(int argc, char** argv) {
  using namespace kstarve;  // NOLINT(google-build-using-namespace)
  g_path = std::string(KSTARVE_SOURCE_DIR) + "/tests/readers/data/tracedat/small.v7.dat.zst";
  if (const char* env = std::getenv("KSTARVE_BENCH_TRACEDAT")) g_path = env;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tracedat=", 11) == 0) {
      g_path = argv[i] + 11;
    } else {
      rest.push_back(argv[i]);
    }
  }
  g_bytes = Load(g_path, &g_compressed);
  if (g_bytes.empty()) {
    std::fprintf(stderr, "tracedat_bench: cannot read %s\n", g_path.c_str());
    return 1;
  }
  PrintOnce();
  benchmark::RegisterBenchmark("read/trace.dat/memory", BM_ReadMemory)->Unit(benchmark::kMillisecond);
  if (!g_compressed) {
    benchmark::RegisterBenchmark("read/trace.dat/file", BM_ReadFile)->Unit(benchmark::kMillisecond);
#ifdef KSTARVE_BENCH_LIBTRACECMD
    benchmark::RegisterBenchmark("libtracecmd/iterate", BM_Libtracecmd)->Unit(benchmark::kMillisecond);
#endif
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
