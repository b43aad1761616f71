#!/usr/bin/env bash
# The starvation detector's cost per backend: poller CPU (% of one CPU) and
# the throughput of a pipe ping-pong on CPU 1, interleaved runs of none / bpf
# / tracefs so drifting background load hits each alike. Needs root.
#   bench/detector_cost.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
rounds=${3:-3}
bin=$build/bench/detector_cost
[[ -x $bin ]] || { echo "detector_cost.sh: build $bin first (ninja -C $build detector_cost)"; exit 1; }
for ((r = 1; r <= rounds; r++)); do
  for backend in none bpf tracefs; do
    "$bin" --backend "$backend" --seconds "$seconds"
  done
done
