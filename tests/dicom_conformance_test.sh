#!/usr/bin/env bash
# dcm2png against an independent decoder (pydicom with GDCM) on every DICOM file that Debian's
# python3-pydicom and libgdcm3.0 install: see dicom_conformance.py. The table of outcomes is
# left in the test's outputs (dicom_conformance.md).
set -euo pipefail
data=/usr/lib/python3/dist-packages/pydicom/data
[[ -d $data/test_files ]] || { echo "FAIL: python3-pydicom's test files are missing (tools/setup.sh)"; exit 1; }
table="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}/dicom_conformance.md"
# GDCM prints warnings of its own on stderr for files it decodes; the table says what matters.
/usr/bin/python3 tests/dicom_conformance.py "$PWD/tools/dcm2png/dcm2png" "$table" \
  "$data/test_files" "$data/charset_files" /usr/share/doc/libgdcm3.0/examples 2> /dev/null
