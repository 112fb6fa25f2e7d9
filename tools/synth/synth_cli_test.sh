#!/usr/bin/env bash
# End-to-end checks of the synth binary: runs it in both layouts and twice with different
# thread counts, then reads the result back with DCMTK and with Debian's python3 (pydicom,
# numpy, cv2; the python3 on PATH may lack them).
set -euo pipefail
synth="$PWD/tools/synth/synth"
check="$PWD/tools/synth/synth_check.py"
work="${TEST_TMPDIR:-$(mktemp -d)}/synth"
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

start=$(date +%s)
"$synth" --output "$work/csv" --cases 20 --threads 1
end=$(date +%s)
# A small default-size run takes well under a second on these machines; the bound leaves
# room for a loaded test machine.
(( end - start <= 20 )) || fail "20 cases took $((end - start)) s"
"$synth" --output "$work/csv2" --cases 20 --threads 2
"$synth" --output "$work/nbia" --cases 20 --layout nbia
diff -r "$work/csv" "$work/csv2" > /dev/null || fail "two runs with the same seed differ"
"$synth" --output "$work/other" --cases 20 --seed 43
cmp -s "$work/csv/mass_case_description_train_set.csv" "$work/other/mass_case_description_train_set.csv" \
  && fail "--seed 43 wrote the same CSV as --seed 42"

# DCMTK reads what DCMTK wrote, and sees the tags the spec asks for.
full=$(find "$work/nbia/CBIS-DDSM" -path '*full mammogram images*' -name '1-1.dcm' | head -n 1)
dump=$(dcmdump "$full")
for want in "(0008,0060) CS [MG]" "(0028,0004) CS [MONOCHROME2]" "(0008,0016) UI =SecondaryCaptureImageStorage" \
            "(0028,0101) US 16" "(0008,103e) LO [full mammogram images]" "LittleEndianExplicit"; do
  [[ "$dump" == *"$want"* ]] || fail "dcmdump lacks '$want'"
done
[[ "$dump" != *"PatientName"* ]] || fail "PatientName must not be written"
find "$work" -name '*.tmp' | grep -q . && fail "temporary files left behind"

# Usage errors exit 1 and name the flag.
set +e
err=$("$synth" --output "$work/x" --layout tree 2>&1); [[ $? == 1 ]] || fail "bad --layout must exit 1"
[[ "$err" == *"--layout"* ]] || fail "bad --layout message: $err"
err=$("$synth" --output "$work/x" --trap_rate 0.9 2>&1); [[ $? == 1 ]] || fail "bad --trap_rate must exit 1"
[[ "$err" == *"--trap_rate"* ]] || fail "bad --trap_rate message: $err"
"$synth" 2>/dev/null; [[ $? == 1 ]] || fail "missing --output must exit 1"
set -e
[[ "$("$synth" --help)" == "Usage: synth [OPTION]... --output DIR"* ]] || fail "--help text"

/usr/bin/python3 "$check" "$work/csv" "$work/nbia"
echo "synth CLI: all checks passed"
