#!/usr/bin/env bash
# Starts nginx as a Bazel remote cache on 127.0.0.1:PORT, storing blobs under DATA, with its
# pid, logs and temporary files under RUN (tools/remote_cache/nginx.conf.in). Returns once it
# answers; prints its pid. Stop it with `kill $(cat RUN/nginx.pid)`.
#
#   tools/remote_cache/serve.sh PORT DATA RUN
#   bazel build --config=remote_cache --remote_cache=http://127.0.0.1:PORT //tools/...
set -euo pipefail
(($# == 3)) || { echo "Usage: tools/remote_cache/serve.sh PORT DATA RUN" >&2; exit 1; }
port=$1
data=$(realpath -m "$2")
run=$(realpath -m "$3")
nginx=/usr/sbin/nginx
[[ -x $nginx ]] || { echo "serve.sh: $nginx is missing (tools/setup.sh installs nginx-light)" >&2; exit 2; }
mkdir -p "$data" "$run"
# Started by root, nginx's workers run as nobody (the configuration names no user): they must
# be able to write the blobs.
if ((EUID == 0)); then chown -R nobody "$data"; fi
sed -e "s|@PORT@|$port|g" -e "s|@DATA@|$data|g" -e "s|@RUN@|$run|g" \
  "$(dirname "${BASH_SOURCE[0]}")/nginx.conf.in" > "$run/nginx.conf"
# -p: the prefix for nginx's own relative paths; -e: the startup error log before the
# configuration's is opened (the default, /var/log/nginx, may not be writable).
"$nginx" -p "$run" -e "$run/startup.log" -c "$run/nginx.conf"
for _ in $(seq 50); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    # A cache that answers but cannot store would only show as a build without hits.
    probe="http://127.0.0.1:$port/probe/serve.sh"
    if ! curl -sf -o /dev/null -T "$run/nginx.conf" "$probe" || ! curl -sf -o /dev/null "$probe"; then
      kill "$(cat "$run/nginx.pid")"
      echo "serve.sh: nginx cannot store blobs under $data (can its workers reach and write it?);" \
        "see $run/error.log" >&2
      exit 2
    fi
    cat "$run/nginx.pid"
    exit 0
  fi
  sleep 0.1
done
echo "serve.sh: nginx did not answer on port $port; see $run/error.log" >&2
exit 2
