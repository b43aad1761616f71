#!/usr/bin/env bash
# Style and static checks: clang-format (every C++ file must be formatted as
# .clang-format says) and clang-tidy (.clang-tidy, warnings are errors) over
# src/, using the compile commands of ./build (run scripts/build.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"
[[ -f build/compile_commands.json ]] || { echo "lint: no build/compile_commands.json (run scripts/build.sh)"; exit 1; }
mapfile -t sources < <(git ls-files 'src/*.cc')
# GCC-only flags in the compile commands (-Wno-restrict) are unknown to clang.
run-clang-tidy -p build -quiet -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option "${sources[@]}" >/tmp/kstarve-tidy.log 2>&1 || {
  grep -E "(warning|error):" /tmp/kstarve-tidy.log | sed 's/\x1b\[[0-9;]*m//g' | sort -u
  echo "lint: clang-tidy found problems (full log: /tmp/kstarve-tidy.log)"
  exit 1
}
echo "lint: clang-tidy clean (${#sources[@]} files)"
