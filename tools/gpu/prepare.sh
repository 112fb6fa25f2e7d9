#!/usr/bin/env bash
# Builds here, for a GPU machine, everything tools/gpu/cuda_check.sh runs there, into .gpu/
# (git-ignored; name it in the device run's `carry`).
#
#   tools/gpu/prepare.sh EXPORT_DIR
#
# EXPORT_DIR holds what tools/gpu/export_libtorch.sh wrote on that machine. This:
#   1. makes a LIBTORCH_DIR of its headers and link stubs of its libraries
#      (/var/cache/mammo/libtorch-VERSION);
#   2. builds the LibTorch tools against it in their own output base, without convenience links
#      (a link into another output base would put its external/ under //...), and the others as
#      usual (bazel-bin/);
#   3. packs both with their libraries (tools/gpu/bundle.py), and GNU make, into
#      .gpu/bundle.tar.xz, and copies nsfwjs's InceptionV3 into .gpu/npm (about 35 MB in all:
#      the device tool carries at most 64 MiB).
set -euo pipefail
if [[ $# -ne 1 ]]; then
  sed -n '2,/^[^#]/{/^#/p}' "$0" >&2
  exit 1
fi
export_dir=$1
version=$(cat "$export_dir/libtorch_version.txt")
libtorch=/var/cache/mammo/libtorch-$version
if [[ ! -f $libtorch/complete ]]; then
  echo "== LIBTORCH_DIR $libtorch: headers and link stubs of LibTorch $version"
  rm -rf "$libtorch"
  mkdir -p "$libtorch/lib"
  xz -dc "$export_dir/libtorch_include.tar.xz" | tar -C "$libtorch" -xf -
  xz -dc "$export_dir/libtorch_symbols.txt.xz" > "$libtorch/symbols.txt"
  python3 tools/gpu/link_stubs.py make "$libtorch/symbols.txt" "$libtorch/lib"
  touch "$libtorch/complete"
fi

host_tools=(synth dcm2png roicrop augment score shardcat)
torch_tools=(weights embed tl_train ft_train predict)
echo "== building"
bazel build --noshow_progress "${host_tools[@]/#///tools/}"
torch_bazel=(env LIBTORCH_DIR="$libtorch" bazel --output_base=/var/cache/mammo/bazel-libtorch-"$version")
"${torch_bazel[@]}" build --noshow_progress --symlink_prefix=/ "${torch_tools[@]/#///tools/}" \
  //lib/models:parity_check
torch_bin=$("${torch_bazel[@]}" info bazel-bin 2>/dev/null)

echo "== packing .gpu/"
rm -rf .gpu
binaries=()
for t in "${host_tools[@]}"; do binaries+=("bazel-bin/tools/$t/$t"); done
for t in "${torch_tools[@]}"; do binaries+=("$torch_bin/tools/$t/$t"); done
binaries+=("$torch_bin/lib/models/parity_check")
bundle=$(mktemp -d)
# score draws with PLplot's cairo driver, which PLplot loads at run time, with its palettes.
plplot_drivers=$(echo /usr/lib/x86_64-linux-gnu/plplot*/drivers)
python3 tools/gpu/bundle.py "$bundle" "${binaries[@]}" --plugins "$plplot_drivers/cairo.so"
mkdir -p "$bundle/share/plplot/drivers"
cp "$plplot_drivers"/cairo.* "$bundle/share/plplot/drivers/"
cp /usr/share/plplot*/*.pal /usr/share/plplot*/*.fnt "$bundle/share/plplot/"
mkdir -p "$bundle/extra" .gpu/npm/nsfwjs-tfjs
cp /usr/bin/make "$bundle/extra/"
# cuda_check.sh preloads it to print the stack of a tool that aborts (the GPU machine has no gdb).
gcc -O1 -shared -fPIC -o "$bundle/extra/libabort_backtrace.so" tools/gpu/abort_backtrace.c
# DCMTK looks for its data dictionary where Debian installs it; cuda_check.sh sets DCMDICTPATH.
mkdir -p "$bundle/share/dcmtk"
cp /usr/share/libdcmtk17/dicom.dic /usr/share/libdcmtk17/private.dic "$bundle/share/dcmtk/"
tar -C "$bundle" -cf - . | xz -T0 -6 > .gpu/bundle.tar.xz
rm -rf "$bundle"
cp -r "${MAMMO_NPM_DIR:-/var/cache/mammo/npm}/nsfwjs-tfjs/inception_v3" .gpu/npm/nsfwjs-tfjs/
du -sh .gpu
