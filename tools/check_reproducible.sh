#!/usr/bin/env bash
# Builds the project twice from scratch, in two fresh Bazel output bases without any cache,
# and compares the sha256 of every ELF file (binaries, libraries, objects). Runfiles
# manifests are not compared: they list the output base's absolute path by design. Prints the differing files and exits 1 if any.
# Usage: tools/check_reproducible.sh [TARGET...]     (default: //tools/... //bench/...)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
((${#targets[@]})) || targets=(//tools/... //bench/...)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for build in a b; do
  base="$work/base_$build"
  echo "check_reproducible: clean build $build of ${targets[*]}" >&2
  bazel --output_base="$base" build --disk_cache= --ui_event_filters=-info --noshow_progress \
    "${targets[@]}" >&2
  bin=$(bazel --output_base="$base" info bazel-bin 2>/dev/null)
  # Every ELF file: binaries, test binaries, shared and static libraries, objects.
  (cd "$bin" && find . -type f ! -path '*.runfiles/*' -print0 \
     | while IFS= read -r -d '' f; do
         if [[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" == '177ELF' ]]; then sha256sum "$f"; fi
       done | sort -k2) > "$work/sums_$build"
  bazel --output_base="$base" shutdown
done
if diff "$work/sums_a" "$work/sums_b"; then
  echo "check_reproducible: $(wc -l < "$work/sums_a") binaries identical in two clean builds"
else
  echo "check_reproducible: binaries differ (above)" >&2
  exit 1
fi
