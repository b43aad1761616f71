#!/usr/bin/env bash
# Installs what kstarve needs to build, test and benchmark, from Debian 12's
# packages. Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git clang-format clang-tidy
  # libraries
  nlohmann-json3-dev libcli11-dev zlib1g-dev libzstd-dev
  libtomlplusplus-dev  # guard rules (TOML), used header-only
  libtraceevent-dev libbpf-dev libelf-dev bpftool llvm  # guard detector: tracefs pages, BPF (llvm-strip optional)
  libtracefs-dev libtracecmd-dev  # kstarve record: raw tracefs capture, trace.dat output (libtracecmd 1.3.x)
  # tests, fuzzing, benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev python3 zstd gzip
  # trace tools the tests and benchmarks compare against
  trace-cmd linux-perf stress-ng time
  # fio workloads of the brief (scripts/lib/fio-cases.sh, bench/fio/)
  fio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
