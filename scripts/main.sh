#!/usr/bin/env bash
# Quick start, part 1: install, build, and run the main job: `kstarve doctor`
# on this machine where it can record (root, tracefs), otherwise
# `kstarve report` on the bundled example trace (a SCHED_FIFO hog starving a
# CFS thread).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
echo
kstarve=./build/src/cli/kstarve
if [[ $(id -u) -eq 0 ]] && grep -qw tracefs /proc/filesystems; then
  echo "\$ kstarve doctor -d 5"
  if "$kstarve" doctor -d 5; then exit 0; fi
  echo "kstarve doctor could not record here; showing the bundled example instead" >&2
else
  echo "(not root, or no tracefs: kstarve doctor cannot record this machine; showing the bundled example)"
fi
echo "\$ kstarve report examples/rt-hog.txt.zst"
"$kstarve" report examples/rt-hog.txt.zst
