#!/usr/bin/env bash
# Quick start, part 1: install, build, and run the main job: `kstarve report`
# on the bundled example trace (a SCHED_FIFO hog starving a CFS thread).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
echo
echo "\$ kstarve report examples/rt-hog.txt.zst"
./build/src/cli/kstarve report examples/rt-hog.txt.zst
