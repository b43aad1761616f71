#!/usr/bin/env bash
# Run all of kstarve's benchmarks in one run and print the figure table.
#
#   bench/make_inputs.sh && bench/run.sh
#
# Builds `kstarve` and `reader_bench` (Release, in $BUILD, default
# build-bench/, at most -j2) unless NO_BUILD=1, then measures, side by side
# in this one run (see bench/README.md):
#   1. per text format: events, MB, seconds, events/s, MB/s of
#      `kstarve report --format json` (wall, best of 3) and of reader_bench
#      (ReadTrace alone, and AnalyzeTraces on ftrace text);
#   2. `perf sched latency -i bench/data/perf.data` against kstarve on the
#      ftrace text of the same recording (best of 3, interleaved);
#   3. peak RSS of `kstarve report` on the ~1 GB ftrace text (/usr/bin/time -v);
# and prints PASS/FAIL against the targets of issue #2. Exits 0 whatever the
# figures are (a report, not a test); non-zero only if it cannot run.
#
# Environment: BUILD (build dir), NO_BUILD=1, REPS (3), MIN_TIME (reader_bench
# --benchmark_min_time, 1 s), DATA (bench/data).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
DATA=${DATA:-$BENCH/data}
REPS=${REPS:-3}
MIN_TIME=${MIN_TIME:-1}

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for t in perf python3 /usr/bin/time; do
  command -v $t >/dev/null || die "missing $t (scripts/install-deps.sh; /usr/bin/time is Debian's 'time')"
done
[[ -f $DATA/manifest.txt ]] || die "no inputs in $DATA: run bench/make_inputs.sh first"

if [[ ${NO_BUILD:-0} != 1 ]]; then
  if [[ ! -f $BUILD/build.ninja ]]; then
    log "configuring $BUILD (Release)"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKSTARVE_TESTS=OFF \
      -DKSTARVE_BENCH=ON >/dev/null
  fi
  log "building kstarve and reader_bench in $BUILD"
  ninja -C "$BUILD" -j2 kstarve reader_bench >&2
fi
KSTARVE=$BUILD/src/cli/kstarve
READER_BENCH=$BUILD/bench/reader_bench
[[ -x $KSTARVE ]] || die "no $KSTARVE"
[[ -x $READER_BENCH ]] || die "no $READER_BENCH (is libbenchmark-dev installed?)"
build_type=$(awk -F= '/^CMAKE_BUILD_TYPE:/ {print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null || echo '?')

# The table goes to stdout and to $DATA/last-run.txt; progress to stderr.
python3 "$BENCH/figures.py" --kstarve "$KSTARVE" --reader-bench "$READER_BENCH" --data "$DATA" \
  --reps "$REPS" --min-time "$MIN_TIME" --build-type "${build_type:-?}" | tee "$DATA/last-run.txt"
