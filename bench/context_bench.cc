// How long a context snapshot of the live system takes (kstarve record
// takes one before tracing starts and one at the end).
#include <benchmark/benchmark.h>

#include "context/collect.h"

namespace {

void BM_CollectContextLive(benchmark::State& state) {
  size_t threads = 0;
  for (auto _ : state) {
    kstarve::Result<kstarve::ContextSnapshot> s = kstarve::CollectContext();
    if (!s.ok()) {
      state.SkipWithError(s.status().message().c_str());
      return;
    }
    threads = s->threads.size();
    benchmark::DoNotOptimize(threads);
  }
  state.counters["threads"] = static_cast<double>(threads);
  state.counters["us_per_thread"] =
      benchmark::Counter(static_cast<double>(threads) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CollectContextLive)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
