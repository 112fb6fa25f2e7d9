#!/usr/bin/env bash
# The DICOM and mask rows of the bad-input matrix (tests/README.md): dcm2png and roicrop on
# damaged, odd or oversized inputs give the documented exit code and one clear error line,
# and leave no output behind that a later stage could take for a finished one.
set -euo pipefail
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
work="${TEST_TMPDIR:-$(mktemp -d)}/bad_dicom"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
/usr/bin/python3 tests/make_bad_inputs.py "$work/in"

# expect CODE FRAGMENT COMMAND...: the command exits CODE and its stderr holds FRAGMENT.
expect() {
  local code=$1 fragment=$2 got
  shift 2
  set +e
  "$@" 2> "$work/stderr" > /dev/null
  got=$?
  set -e
  [[ $got == "$code" ]] || fail "$* exited $got, want $code: $(cat "$work/stderr")"
  [[ -z "$fragment" ]] || grep -qF -- "$fragment" "$work/stderr" || fail "$*: no '$fragment' in: $(cat "$work/stderr")"
}

# One-file mode: every refusal is exit 2, one line naming the file, and no PNG left behind.
one_file() {  # NAME CODE FRAGMENT [FLAG]...
  local name=$1 code=$2 fragment=$3
  shift 3
  expect "$code" "$fragment" "$dcm2png" "$@" "$work/in/$name.dcm" "$work/$name.png"
  [[ $code == 0 || ! -e "$work/$name.png" ]] || fail "$name: a failed conversion left $name.png"
  [[ $code == 0 || $(wc -l < "$work/stderr") == 1 ]] || fail "$name: error is not one line"
  [[ -z "$(find "$work" -maxdepth 1 -name "$name.png?*")" ]] || fail "$name: temporary file left"
}
one_file truncated 2 "truncated.dcm: not a readable DICOM file"
one_file corrupted 2 "corrupted.dcm: not a readable DICOM file"
one_file no_pixels 2 "no_pixels.dcm: no pixel data"
one_file float 2 "float.dcm: float pixel data not supported"
one_file good 2 "good.dcm: 40x60 pixels exceed --max_pixels=1000" --max_pixels 1000
# JPEG 2000 (lib/dicom/j2k.h): a lossless file gives its uncompressed twin's PNG; a codestream
# cut short, a fragment whose length runs past the end of the file, and a codestream larger
# than --max_pixels under a header that is not, are refused.
one_file j2k_good 0 ""
"$dcm2png" "$work/in/good.dcm" "$work/good.png"
cmp -s "$work/good.png" "$work/j2k_good.png" || fail "JPEG 2000 and uncompressed twins differ"
one_file j2k_cut 2 "j2k_cut.dcm: JPEG 2000 data does not decode"
one_file j2k_fragment_lies 2 "j2k_fragment_lies.dcm: not a readable DICOM file"
one_file j2k_large 2 "j2k_large.dcm: JPEG 2000 codestream is 400x600 pixels, more than --max_pixels=100000" \
  --max_pixels 100000
# Signed pixels are supported (lib/dicom offsets them): min-max of the signed values.
one_file signed 0 ""
/usr/bin/python3 - "$work" <<'PY' || fail "signed pixels: not the min-max of the signed values"
import sys, cv2, numpy as np, pydicom
work = sys.argv[1]
v = pydicom.dcmread(f"{work}/in/signed.dcm").pixel_array.astype(float)
want = np.floor(255 * (v - v.min()) / (v.max() - v.min()) + 0.5)
got = cv2.imread(f"{work}/signed.png", cv2.IMREAD_UNCHANGED)
sys.exit(0 if np.array_equal(got, want) else 1)
PY

# Dataset mode: a case description CSV with one mass whose ROI mask is odd.
dataset() {  # KIND OUT [FLAG]...
  local kind=$1 out=$2
  shift 2
  "$dcm2png" --csv "$work/in/set_$kind/mass_case_description_train_set.csv" --root "$work/in/set_$kind" \
    --output "$out" --threads 1 "$@"
}
mkdir -p "$work/full" "$work/rois"
for kind in good zeros ones size; do dataset "$kind" "$work/full/$kind@1" 2> "$work/dcm2png_$kind.log"; done

# Mask of another size: rescaled with a warning by default, a rejects line with --mask_mismatch skip.
grep -qF "mask 20x30, image 40x60; mask rescaled" "$work/dcm2png_size.log" || fail "no rescale warning"
expect 0 "rejected 1 (mask_size_mismatch 1)" dataset size "$work/full/size_skip@1" --mask_mismatch skip
grep -qP "\tmask_size_mismatch\tmask 20x30, image 40x60$" "$work/full/size_skip.rejects.tsv" || fail "mask size rejects line"
expect 2 "rejected 1" dataset size "$work/full/size_strict@1" --mask_mismatch skip --strict

# Masks all zeros and all ones reach roicrop: all zeros is rejected (empty_mask), all ones is a
# mass covering the image, cropped whole like any other box (40/60 is within the aspect bounds).
for kind in good zeros ones; do
  expect 0 "1 records read" "$roicrop" --input "$work/full/$kind@1" --output "$work/rois/$kind@1" \
    --rejects "$work/rois/$kind.tsv" --no_denoise
done
grep -qF "0 ROIs written, 1 rejected (empty_mask 1)" "$work/stderr" && fail "all-ones mask rejected"
grep -qP "^Mass-Training_P_00001_LEFT_CC_1\tempty_mask\t" "$work/rois/zeros.tsv" || fail "all-zeros mask not rejected as empty_mask"
[[ $(wc -l < "$work/rois/ones.tsv") == 1 ]] || fail "all-ones mask rejected: $(cat "$work/rois/ones.tsv")"

# Disk full: the output on a 16 KiB tmpfs in a private mount namespace (gone with the process).
# Where mounting is not allowed, a write failure is simulated by writing to /dev/full instead.
if unshare -m true 2> /dev/null && unshare -m sh -c "mount -t tmpfs -o size=16k tmpfs '$work/rois'" 2> /dev/null; then
  expect 2 "write failed: No space left on device" unshare -m sh -c \
    "mount -t tmpfs -o size=16k tmpfs '$work/rois' && '$roicrop' --input '$work/full/good@1' \
       --output '$work/rois/full_disk@1' --size 400 --no_denoise; code=\$?; \
     [ -z \"\$(ls -A '$work/rois')\" ] || { echo 'files left on the full disk' >&2; exit 9; }; exit \$code"
  echo "disk full: tested on a 16 KiB tmpfs"
else
  expect 2 "write failed: No space left on device" sh -c \
    "'$roicrop' --input '$work/full/good@1' --output - --size 400 --no_denoise > /dev/full"
  echo "disk full: tmpfs not mountable here; simulated with /dev/full"
fi
echo "bad DICOM and mask inputs: all checks passed"
