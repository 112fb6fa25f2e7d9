#!/usr/bin/env bash
# Builds TARGETS twice from scratch, in two clones of HEAD in folders of different depths, each
# with its own Bazel output base and no cache, and compares the sha256 of every ELF file
# (binaries, libraries, objects; tools/elf_sums.sh): the outputs must not depend on the
# checkout's path or the time of the build. Prints the differing files and exits 1 if any.
# tools/test.sh runs it on one tool; tools/release_checks.sh on everything.
#
#   tools/check_reproducible.sh [TARGET...]     (default: //tools/... //bench/...)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
((${#targets[@]})) || targets=(//tools/... //bench/...)
work=$(mktemp -d)
clones=("$work/a/mammo" "$work/b/one/level/deeper/mammo")
cleanup() {
  for clone in "${clones[@]}"; do
    if [[ -d $clone ]]; then (cd "$clone" && bazel --output_base="$clone.base" shutdown) 2> /dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
for clone in "${clones[@]}"; do
  git clone -q . "$clone"
  echo "check_reproducible: clean build of ${targets[*]} in $clone" >&2
  (cd "$clone" && bazel --output_base="$clone.base" build --disk_cache= --ui_event_filters=-info \
    --noshow_progress "${targets[@]}") >&2
  tools/elf_sums.sh "$(cd "$clone" && bazel --output_base="$clone.base" info bazel-bin 2> /dev/null)" \
    > "$clone.sums"
done
if diff "${clones[0]}.sums" "${clones[1]}.sums"; then
  echo "check_reproducible: $(wc -l < "${clones[0]}.sums") ELF files identical in two clean builds in different folders"
else
  echo "check_reproducible: ELF files differ (above)" >&2
  exit 1
fi
