#!/usr/bin/env bash
# The shared remote cache (.bazelrc's --config=remote_cache), tested against a real HTTP cache
# server: starts nginx on a free localhost port with its own configuration and data folder
# (tools/remote_cache/serve.sh), then
#   1. builds TARGETS in a fresh clone of HEAD with its own output base, no disk cache, and the
#      remote cache, which uploads every result (the cold build);
#   2. builds them again in a second clone in another folder with a second output base (the
#      warm build) and requires at least 95% of its actions to be remote cache hits, from
#      Bazel's "N processes: H remote cache hit" summary;
#   3. requires every ELF file of the two builds to be identical (tools/elf_sums.sh);
#   4. stops nginx and builds one target in the second clone after `bazel clean`: a cache that
#      is down must cost a warning, not the build.
# Prints the cold and warm times and one line "remote_cache_check: ..."; stops nginx (by pid)
# and both Bazel servers, and removes everything, whatever happens. Exit 1 when a check fails.
#
#   tools/remote_cache_check.sh [TARGET...]      (default //tools/shardcat; tools/test.sh's)
#   tools/remote_cache_check.sh //tools/...      (every tool: the release check's timing)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
((${#targets[@]})) || targets=(//tools/shardcat)
work=$(mktemp -d)
chmod 755 "$work"  # nginx's workers run as nobody when this runs as root
# Two clones of HEAD at different depths, each with its own output base.
clone_a="$work/a/mammo"
clone_b="$work/b/one/level/deeper/mammo"
cleanup() {
  if [[ -f $work/run/nginx.pid ]]; then kill "$(cat "$work/run/nginx.pid")" 2> /dev/null || true; fi
  for clone in "$clone_a" "$clone_b"; do
    if [[ -d $clone ]]; then (cd "$clone" && bazel --output_base="$clone.base" shutdown) 2> /dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "remote_cache_check: FAILED: $*" >&2; exit 1; }

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tools/remote_cache/serve.sh "$port" "$work/data" "$work/run" > /dev/null
url="http://127.0.0.1:$port"
git clone -q . "$clone_a"
git clone -q . "$clone_b"

# build CLONE LOG [TARGET...]: one build without the disk cache; prints its wall seconds.
build() {
  local clone=$1 log=$2
  shift 2
  local start=$SECONDS
  (cd "$clone" && bazel --output_base="$clone.base" build --disk_cache= --config=remote_cache \
    --remote_cache="$url" --noshow_progress "$@") > "$log" 2>&1 \
    || { tail -20 "$log" >&2; fail "bazel build in $clone failed (log above)"; }
  echo $((SECONDS - start))
}
# hits LOG: "H N": remote cache hits, and actions that are not Bazel-internal.
hits() {
  sed -nE 's/^INFO: ([0-9]+) process(es)?: (.*)\.$/\1 \3/p' "$1" | tail -1 | /usr/bin/python3 -c '
import re, sys
total, rest = sys.stdin.read().split(" ", 1)
count = lambda kind: sum(int(n) for n in re.findall(r"(\d+) " + kind, rest))
print(count("remote cache hit"), int(total) - count("internal"))'
}

cold=$(build "$clone_a" "$work/cold.log" "${targets[@]}")
warm=$(build "$clone_b" "$work/warm.log" "${targets[@]}")
read -r cold_hits cold_actions < <(hits "$work/cold.log")
read -r warm_hits warm_actions < <(hits "$work/warm.log")
echo "remote_cache_check: cold build ${cold}s (${cold_actions} actions, ${cold_hits} hits);" \
  "warm build in a second clone ${warm}s (${warm_hits} of ${warm_actions} actions from the cache)"
((warm_actions > 0)) || fail "the warm build ran no action; its log: $(tail -3 "$work/warm.log")"
((100 * warm_hits >= 95 * warm_actions)) || fail "only ${warm_hits} of ${warm_actions} actions were remote cache hits"

for clone in "$clone_a" "$clone_b"; do
  tools/elf_sums.sh "$(cd "$clone" && bazel --output_base="$clone.base" info bazel-bin 2> /dev/null)" \
    > "$clone.sums"
done
diff "$clone_a.sums" "$clone_b.sums" >&2 || fail "the two builds' binaries differ (above)"

kill "$(cat "$work/run/nginx.pid")"
for _ in $(seq 50); do curl -s -o /dev/null "$url/" || break; sleep 0.1; done
(cd "$clone_b" && bazel --output_base="$clone_b.base" clean) 2> /dev/null
build "$clone_b" "$work/down.log" //lib/io:byte_io > /dev/null
# Bazel's warning is a heading line and the cause on the next.
warning=$(grep -m1 -A1 -iE "^WARNING:.*(remote|cache|connection refused)" "$work/down.log" | xargs) \
  || fail "a build with the cache down gave no warning: $(tail -3 "$work/down.log")"
echo "remote_cache_check: cache down: the build succeeded with: ${warning:0:150}"
echo "remote_cache_check: PASSED: $(wc -l < "$clone_a.sums") identical ELF files"
