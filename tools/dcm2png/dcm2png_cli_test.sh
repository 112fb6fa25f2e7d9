#!/usr/bin/env bash
# End-to-end checks of the dcm2png binary: one-file mode against DCMTK's dcm2pnm with its
# min-max window (+Wm), --help, exit codes. Needs /usr/bin/python3 with pydicom, numpy, cv2
# (Debian's python3-pydicom, python3-opencv) and DCMTK's command line tools.
set -euo pipefail
dcm2png="$PWD/tools/dcm2png/dcm2png"
work="${TEST_TMPDIR:-$(mktemp -d)}/cli"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 16-bit inputs with known random values: full range, a narrow range, 12 bits stored.
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

work = sys.argv[1]
rng = np.random.default_rng(7)
cases = {
    "full": (rng.integers(0, 65536, (64, 48)), 16),
    "narrow": (rng.integers(20000, 20700, (50, 70)), 16),
    "twelve": (rng.integers(100, 4000, (33, 41)), 12),
}
for name, (pixels, stored) in cases.items():
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MG"
    ds.PatientID = "P_CLI"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 16
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.astype("<u2").tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(f"{work}/{name}.dcm", write_like_original=False)
PY

for name in full narrow twelve; do
  "$dcm2png" "$work/$name.dcm" "$work/$name.ours.png"
  dcm2pnm +Wm +on "$work/$name.dcm" "$work/$name.dcmtk.png"
  # Lossless inputs through DCMTK's own encoders must give the same PNG bytes.
  dcmcjpls "$work/$name.dcm" "$work/$name.jls.dcm"
  dcmcrle "$work/$name.dcm" "$work/$name.rle.dcm"
  for coded in jls rle; do
    "$dcm2png" "$work/$name.$coded.dcm" "$work/$name.$coded.png"
    cmp -s "$work/$name.ours.png" "$work/$name.$coded.png" || fail "$name: $coded input gives other pixels"
  done
done
/usr/bin/python3 - "$work" <<'PY' || fail "dcm2png and dcm2pnm +Wm differ by more than 1 grey level"
import sys
import cv2
import numpy as np
work = sys.argv[1]
for name in ("full", "narrow", "twelve"):
    ours = cv2.imread(f"{work}/{name}.ours.png", cv2.IMREAD_UNCHANGED)
    ref = cv2.imread(f"{work}/{name}.dcmtk.png", cv2.IMREAD_UNCHANGED)
    assert ours.dtype == np.uint8 and ours.shape == ref.shape, name
    worst = int(np.abs(ours.astype(int) - ref.astype(int)).max())
    print(f"{name}: max difference {worst}")
    if worst > 1:
        sys.exit(1)
PY

# --bits 16 keeps the stored values.
"$dcm2png" --bits 16 "$work/twelve.dcm" "$work/twelve16.png"
/usr/bin/python3 -c "
import sys, cv2, numpy as np, pydicom
a = cv2.imread('$work/twelve16.png', cv2.IMREAD_UNCHANGED)
b = pydicom.dcmread('$work/twelve.dcm').pixel_array
sys.exit(0 if a.dtype == np.uint16 and np.array_equal(a, b) else 1)" || fail "--bits 16 changed values"

# --clahe runs and writes an 8-bit PNG of the same size.
"$dcm2png" --clahe --clahe_clip 3 --clahe_tiles 4 "$work/full.dcm" "$work/clahe.png"
[[ -s "$work/clahe.png" ]] || fail "--clahe wrote nothing"

# Exit codes: 0 --help, 1 usage, 2 bad data.
[[ "$("$dcm2png" --help)" == "Usage: dcm2png [OPTION]... IN.dcm OUT.png"* ]] || fail "--help text"
set +e
"$dcm2png" "$work/full.dcm" 2>/dev/null; [[ $? == 1 ]] || fail "one argument must exit 1"
"$dcm2png" --bits 12 "$work/full.dcm" "$work/x.png" 2>/dev/null; [[ $? == 1 ]] || fail "--bits 12 must exit 1"
"$dcm2png" --csv a.csv --root . --output o --mask_mismatch=maybe 2>/dev/null; [[ $? == 1 ]] || fail "bad --mask_mismatch must exit 1"
head -c 300 "$work/full.dcm" > "$work/cut.dcm"
err=$("$dcm2png" "$work/cut.dcm" "$work/cut.png" 2>&1); [[ $? == 2 ]] || fail "truncated input must exit 2"
[[ "$err" == "dcm2png: "*"cut.dcm"* && $(wc -l <<<"$err") == 1 ]] || fail "error must be one line naming the file: $err"
[[ ! -e "$work/cut.png" ]] || fail "a failed conversion left an output file"
"$dcm2png" --max_pixels 100 "$work/full.dcm" "$work/big.png" 2>/dev/null; [[ $? == 2 ]] || fail "--max_pixels must exit 2"
# --colour and --frame: a bad value is a usage error (1); a frame the file lacks is bad input (2).
err=$("$dcm2png" --colour grey "$work/full.dcm" "$work/c.png" 2>&1) && fail "--colour grey accepted"
[[ $err == *"--colour must be refuse or luma, not 'grey'"* ]] || fail "--colour error: $err"
err=$("$dcm2png" --frame 0 "$work/full.dcm" "$work/f.png" 2>&1) && fail "--frame 0 accepted"
[[ $err == *"--frame counts from 1"* ]] || fail "--frame 0 error: $err"
set +e
err=$("$dcm2png" --frame 2 "$work/full.dcm" "$work/f.png" 2>&1); code=$?
set -e
[[ $code == 2 && $err == *"full.dcm: --frame 2 asked, the file has 1 frame"* ]] || fail "--frame 2: $code $err"
[[ ! -e "$work/f.png" ]] || fail "--frame 2 left a PNG"
set -e

# Dataset mode end to end: two CSVs given as repeated --csv, a good case and a corrupt image.
/usr/bin/python3 - "$work/set" <<'PY'
import os
import sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

root = sys.argv[1]
header = ("patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,"
          "mass shape,mass margins,assessment,pathology,subtlety,image file path,"
          "cropped image file path,ROI mask file path\r\n")

def write(rel, subject, study, series, pixels):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MG"
    ds.PatientID = subject
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, write_like_original=False)
    return path

rng = np.random.default_rng(3)
rows = []
for split, n, prefix in (("Training", 1, "train"), ("Test", 2, "test")):
    subject = f"Mass-{split}_P_0000{n}_LEFT_CC"
    image = f"{subject}/1.2.{n}.1/1.2.{n}.2/000000.dcm"
    crop = f"{subject}_1/1.2.{n}.3/1.2.{n}.4/000000.dcm"
    mask = f"{subject}_1/1.2.{n}.3/1.2.{n}.4/000001.dcm"
    path = write(image, subject, f"1.2.{n}.1", f"1.2.{n}.2", rng.integers(0, 65536, (40, 30)).astype(np.uint16))
    write(crop, subject + "_1", f"1.2.{n}.3", f"1.2.{n}.4", rng.integers(0, 65536, (8, 6)).astype(np.uint16))
    m = np.zeros((40, 30), np.uint8)
    m[5:10, 5:10] = 255
    write(mask, subject + "_1", f"1.2.{n}.3", f"1.2.{n}.4", m)
    if split == "Test":  # the corrupt image of the real set, in miniature
        data = open(path, "rb").read()
        open(path, "wb").write(data[:-100])
    with open(os.path.join(root, f"mass_case_description_{prefix}_set.csv"), "w", newline="") as f:
        f.write(header + f"P_0000{n},2,LEFT,CC,1,mass,OVAL,CIRCUMSCRIBED,3,BENIGN,3,{image},{crop},\"{mask}\n\"\r\n")
PY
set_args=(--csv "$work/set/mass_case_description_train_set.csv" --csv "$work/set/mass_case_description_test_set.csv"
          --root "$work/set" --clahe --threads 2)
err=$("$dcm2png" "${set_args[@]}" --output "$work/out/full@2" 2>&1) || fail "dataset mode must exit 0 with rejects: $err"
[[ "$err" == *"wrote 1 records to $work/out/full@2; rejected 1 (corrupt_dicom 1)"* ]] || fail "summary line: $err"
[[ -f "$work/out/full.manifest.json" ]] || fail "no manifest written"
grep -q $'^Mass-Test_P_00002_LEFT_CC_1\tcorrupt_dicom\t' "$work/out/full.rejects.tsv" || fail "rejects file"
set +e
"$dcm2png" "${set_args[@]}" --output "$work/out/strict@2" --strict 2>/dev/null; [[ $? == 2 ]] || fail "--strict with rejects must exit 2"
set -e
echo PASS
