#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into ./build-fuzz and
# runs them: the text readers for FUZZ_SECONDS (default 60), the whole report
# pipeline for half that, the guard rules grammar for FUZZ_RULES_SECONDS
# (default 15), the trace.dat reader for 20 s. A crash fails, and its report is printed whole.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKSTARVE_FUZZ=ON -DKSTARVE_TESTS=OFF -DKSTARVE_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_text_readers fuzz_report fuzz_tracedat fuzz_rules
# The readers get the full time; the whole pipeline (readers, sorter,
# analysis, writers) half of it, from the same seed corpus.
run() {  # $1 = target, $2 = seconds, $3 = seed corpus under fuzz/corpus (default text)
  local corpus
  corpus=$(mktemp -d)
  cp fuzz/corpus/"${3:-text}"/* "$corpus"/
  local log=build-fuzz/"$1".log
  echo "fuzz: $1 for $2 s"
  if ! ./build-fuzz/fuzz/"$1" -max_total_time="$2" -max_len="${MAX_LEN:-4096}" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz: $1 FAILED (the crashing input is in $PWD as crash-*)"
    exit 1
  fi
  tail -n 6 "$log"
  rm -rf "$corpus"
  echo "fuzz: $1: no crash in $2 s"
}
run fuzz_text_readers "$seconds"
run fuzz_report "$((seconds / 2))"
run fuzz_rules "${FUZZ_RULES_SECONDS:-15}" rules
# trace.dat: binary seeds of a few KB (fuzz/corpus/tracedat), 20 s.
MAX_LEN=16384 run fuzz_tracedat 20 tracedat
