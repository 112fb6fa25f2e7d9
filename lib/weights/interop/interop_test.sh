#!/usr/bin/env bash
# Interoperability with an independent implementation: Debian's Python (numpy, no
# safetensors package) writes a file by hand, the C++ reader must see exactly its values,
# and the file the C++ writer produces must read back correctly by hand in Python.
set -euo pipefail
dir="$PWD/lib/weights/interop"
work="${TEST_TMPDIR:-$(mktemp -d)}/interop"
mkdir -p "$work"
# The pyenv python3 on PATH lacks numpy; /usr/bin/python3 is Debian's.
/usr/bin/python3 "$dir/independent_safetensors.py" write "$work"
"$dir/interop_check" "$work/python.safetensors" "$work/expected.txt" "$work/cpp.safetensors"
/usr/bin/python3 "$dir/independent_safetensors.py" verify "$work"
