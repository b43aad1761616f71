#!/usr/bin/env bash
# Quick start, part 2: install, build, and run the whole test suite: the
# unit, fixture and CLI tests (ctest), and the text-reader fuzzer for 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ./scripts/fuzz.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
