#!/usr/bin/env bash
# Fetches, pins and caches the npm packages behind the weight-loader references:
#   nsfwjs 4.4.0 (MIT; three trained Keras models as JS bundles), checked against its sha256,
#   @tensorflow/tfjs 4.22.0 (pure JS, CPU backend) by `npm ci` from third_party/npm/package-lock.json,
#   and converts nsfwjs's inception_v3 and mobilenet_v2 into standard TF.js layers models.
# Idempotent: when everything is present it only checks (no network, well under a second).
# Fails with one line naming what went wrong. Called at the end of tools/setup.sh.
#
# Cache layout, ${MAMMO_NPM_DIR:-/var/cache/mammo/npm}:
#   nsfwjs-4.4.0.tgz                 the `npm pack` tarball (sha256 checked)
#   nsfwjs-4.4.0/                    its contents (package.json, dist/...), .mammo-sha256 when complete
#   package.json, package-lock.json  copies of third_party/npm/ ; node_modules/ from `npm ci`
#   node_modules/.mammo-lock         the lock node_modules was installed from (the stamp)
#   nsfwjs-tfjs/<model>/             model.json + group1-shardNofM (tools/weights/nsfwjs_to_tfjs.js)
#   npm-cache/                       npm's own cache (so a reinstall needs no network)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${MAMMO_NPM_DIR:-/var/cache/mammo/npm}
nsfwjs_version=4.4.0
nsfwjs_size=24973068
nsfwjs_sha256=585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382
models=(inception_v3 mobilenet_v2)

fail() { echo "setup_npm: $*" >&2; exit 1; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # This machine kind ships Node.js 20 with npm; elsewhere Debian 12's Node.js 18 serves.
  sudo=()
  if ((EUID != 0)); then sudo=(sudo); fi
  echo "setup_npm: installing Debian's nodejs and npm"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    nodejs npm >/dev/null || fail "cannot install nodejs and npm with apt-get"
fi
command -v node >/dev/null || fail "node not found on PATH (install Node.js >= 18 with npm)"
command -v npm >/dev/null || fail "npm not found on PATH (install Node.js >= 18 with npm)"
mkdir -p "$dir" || fail "cannot create $dir (set MAMMO_NPM_DIR to a writable folder)"
export npm_config_cache="$dir/npm-cache" npm_config_update_notifier=false \
  npm_config_fund=false npm_config_audit=false
did=()

# 1. nsfwjs: tarball pinned by size and sha256, extracted without its top "package/" folder.
pkg="$dir/nsfwjs-$nsfwjs_version"
tgz="$dir/nsfwjs-$nsfwjs_version.tgz"
if [[ "$(cat "$pkg/.mammo-sha256" 2>/dev/null)" != "$nsfwjs_sha256" ]]; then
  tgz_ok() {
    [[ -f "$tgz" && "$(stat -c %s "$tgz")" == "$nsfwjs_size" ]] &&
      [[ "$(sha256sum "$tgz" | cut -d' ' -f1)" == "$nsfwjs_sha256" ]]
  }
  if ! tgz_ok; then
    tmp=$(mktemp -d "$dir/.pack.XXXXXX")
    npm pack "nsfwjs@$nsfwjs_version" --pack-destination "$tmp" --silent >"$tmp/log" 2>&1 ||
      { rm -rf "$tmp"; fail "npm pack nsfwjs@$nsfwjs_version failed (is registry.npmjs.org reachable?)"; }
    got=$(sha256sum "$tmp/nsfwjs-$nsfwjs_version.tgz" | cut -d' ' -f1)
    if [[ "$got" != "$nsfwjs_sha256" ]]; then
      rm -rf "$tmp"
      fail "nsfwjs-$nsfwjs_version.tgz has sha256 $got, expected $nsfwjs_sha256: refusing it"
    fi
    mv -f "$tmp/nsfwjs-$nsfwjs_version.tgz" "$tgz"
    rm -rf "$tmp"
  fi
  tmp=$(mktemp -d "$dir/.nsfwjs.XXXXXX")
  tar -xzf "$tgz" -C "$tmp" --strip-components=1 --no-same-owner ||
    { rm -rf "$tmp"; fail "cannot extract $tgz"; }
  chmod 755 "$tmp"
  echo "$nsfwjs_sha256" >"$tmp/.mammo-sha256"
  rm -rf "$pkg" && mv "$tmp" "$pkg"
  did+=("nsfwjs $nsfwjs_version")
fi

# 2. @tensorflow/tfjs: npm ci from the committed lock (its integrity hashes are the checksums).
lock="$repo/third_party/npm/package-lock.json"
if ! cmp -s "$lock" "$dir/node_modules/.mammo-lock"; then
  cp "$repo/third_party/npm/package.json" "$lock" "$dir/"
  # --ignore-scripts: nothing in the tree needs an install script (core-js only prints a banner).
  (cd "$dir" && npm ci --ignore-scripts --prefer-offline --no-progress --loglevel=error \
    >"$dir/npm-ci.log" 2>&1) ||
    fail "npm ci in $dir failed (is registry.npmjs.org reachable? see $dir/npm-ci.log)"
  cp "$lock" "$dir/node_modules/.mammo-lock"
  did+=("@tensorflow/tfjs (npm ci)")
fi

# 3. nsfwjs's bundles as standard TF.js layers models, renamed into place only when complete.
# One node start lists the models whose folder is missing or incomplete (model.json does not
# parse, or a shard it names is absent).
incomplete=$(node -e '
  const fs = require("fs"), path = require("path");
  for (const d of process.argv.slice(1)) {
    try {
      const j = JSON.parse(fs.readFileSync(path.join(d, "model.json"), "utf8"));
      for (const g of j.weightsManifest) for (const p of g.paths) fs.statSync(path.join(d, p));
    } catch (e) { console.log(path.basename(d)); }
  }
' "${models[@]/#/$dir/nsfwjs-tfjs/}") || fail "node cannot run a check script"
for model in $incomplete; do
  out="$dir/nsfwjs-tfjs/$model"
  mkdir -p "$dir/nsfwjs-tfjs"
  tmp=$(mktemp -d "$dir/nsfwjs-tfjs/.$model.XXXXXX")
  node "$repo/tools/weights/nsfwjs_to_tfjs.js" "$pkg" "$model" "$tmp" >"$tmp.log" 2>&1 ||
    { msg=$(tail -n1 "$tmp.log"); rm -rf "$tmp" "$tmp.log"; fail "converting $model: $msg"; }
  rm -f "$tmp.log"; chmod 755 "$tmp"
  rm -rf "$out" && mv "$tmp" "$out"
  did+=("nsfwjs-tfjs/$model")
done

if ((${#did[@]} == 0)); then
  echo "setup_npm: nsfwjs $nsfwjs_version, @tensorflow/tfjs and ${#models[@]} converted models present in $dir"
else
  echo "setup_npm: installed $(IFS=,; echo "${did[*]}" | sed 's/,/, /g') in $dir"
fi
