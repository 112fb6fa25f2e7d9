#!/usr/bin/env bash
# Run on the GPU machine, from the repository root: exports what building here against its
# PyTorch's LibTorch needs, the headers and the libraries' exported symbols (megabytes, where
# the libraries are gigabytes). tools/gpu/prepare.sh turns them into a LIBTORCH_DIR.
#
#   tools/gpu/export_libtorch.sh OUTDIR
set -euo pipefail
if [[ $# -ne 1 ]]; then
  sed -n '2,/^[^#]/{/^#/p}' "$0" >&2
  exit 1
fi
out=$1
mkdir -p "$out"
torch=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
python3 -c 'import torch; print(torch.__version__)' > "$out/libtorch_version.txt"
if ! python3 -c 'import sys, torch; sys.exit(0 if torch.compiled_with_cxx11_abi() else 1)'; then
  echo "export_libtorch.sh: $torch uses the pre-C++11 string ABI; Debian's libraries need the C++11 one" >&2
  exit 2
fi
tar -C "$torch" -cf - include | xz -T0 -6 > "$out/libtorch_include.tar.xz"
python3 tools/gpu/link_stubs.py list \
  "$torch"/lib/{libtorch.so,libtorch_cpu.so,libc10.so,libtorch_cuda.so,libc10_cuda.so} \
  | xz -T0 -6 > "$out/libtorch_symbols.txt.xz"
ls -l "$out"
