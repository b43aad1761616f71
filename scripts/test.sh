#!/usr/bin/env bash
# Quick start, part 2: install, build, and run the whole test suite: lint
# (clang-format, clang-tidy), the text-reader fuzzer for 60 s, and the unit,
# fixture and CLI tests (ctest, last, so its summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./scripts/lint.sh
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ./scripts/fuzz.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
