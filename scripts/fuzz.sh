#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into ./build-fuzz and
# runs the text-reader fuzzer for FUZZ_SECONDS (default 60). A crash fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKSTARVE_FUZZ=ON -DKSTARVE_TESTS=OFF -DKSTARVE_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_text_readers
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp fuzz/corpus/text/* "$corpus"/
echo "fuzz: fuzz_text_readers for ${seconds} s"
./build-fuzz/fuzz/fuzz_text_readers -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  "$corpus" 2>&1 | tail -n 12
echo "fuzz: no crash in ${seconds} s"
