#!/usr/bin/env bash
# Checks every tracked C++ file (.cc, .h) against .clang-format; prints the files that differ
# with a diff of each and exits 1 if any does. With --fix, rewrites them instead.
#
#   tools/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format > /dev/null; then
  echo "check_format: clang-format is missing: run tools/setup.sh" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [[ ${1:-} == --fix ]]; then
  clang-format --style=file -i "${files[@]}"
  exit 0
fi
# One clang-format process checks every file (a process per file took 30 s); only the files it
# names get a diff.
mapfile -t unformatted < <(clang-format --style=file --dry-run "${files[@]}" 2>&1 \
  | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
for file in "${unformatted[@]}"; do
  clang-format --style=file "$file" | diff -u --label "$file" --label "$file (formatted)" "$file" - || true
done
if ((${#unformatted[@]} > 0)); then
  echo "check_format: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format;" \
    "tools/check_format.sh --fix rewrites them" >&2
  exit 1
fi
echo "check_format: all ${#files[@]} C++ files formatted"
