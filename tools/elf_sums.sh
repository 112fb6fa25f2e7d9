#!/usr/bin/env bash
# Prints "SHA256  ./PATH" for every ELF file (binaries, test binaries, shared and static
# libraries, objects) under a bazel-bin folder, sorted by path, leaving runfiles trees out:
# their manifests name the output base by design. tools/check_reproducible.sh and
# tools/remote_cache_check.sh compare two builds with it.
#
#   tools/elf_sums.sh "$(bazel info bazel-bin)" > sums
set -euo pipefail
(($# == 1)) || { echo "Usage: tools/elf_sums.sh BAZEL_BIN" >&2; exit 1; }
cd "$1"
find . -type f ! -path '*.runfiles/*' -print0 \
  | while IFS= read -r -d '' f; do
      if [[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" == '177ELF' ]]; then sha256sum "$f"; fi
    done | sort -k2
