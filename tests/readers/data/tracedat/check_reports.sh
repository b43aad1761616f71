#!/usr/bin/env bash
# Checks that each committed trace.dat still prints, with the installed
# `trace-cmd report -t`, exactly the committed report text (regenerate with
# make_data.sh). Exit 77 (skipped) without trace-cmd or zstd.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v trace-cmd >/dev/null && command -v zstd >/dev/null || { echo "trace-cmd or zstd missing: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check() {  # $1 trace.dat (maybe .zst), $2 report text .zst
  local dat="$work/$(basename "${1%.zst}")"
  if [[ $1 == *.zst ]]; then zstd -dq -f "$1" -o "$dat"; else cp "$1" "$dat"; fi
  if ! trace-cmd report -t -i "$dat" 2>/dev/null | cmp -s - <(zstd -dc "$2"); then
    echo "FAIL: trace-cmd report -t of $(basename "$1") differs from $(basename "$2")"
    exit 1
  fi
  echo "ok: $(basename "$1")"
}
check "$here/small.v7.dat.zst" "$here/small.report.txt.zst"
for f in lost.v7.dat.zst lost.v6.dat.zst lost.v7-zstd.dat; do check "$here/$f" "$here/lost.report.txt.zst"; done
