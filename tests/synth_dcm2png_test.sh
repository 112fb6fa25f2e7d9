#!/usr/bin/env bash
# synth -> dcm2png end to end: both download layouts of one synthetic CBIS-DDSM, and the CSV
# layout stored as JPEG 2000 (synth --jpeg2000: fragments, no offset table), give identical
# records, every trap synth planted is handled as dcm2png documents (rejected with a reason,
# or kept with a rescaled mask), and every kept mask's box is synth's true box.
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
shardcat="$PWD/tools/shardcat/shardcat"
work="${TEST_TMPDIR:-$(mktemp -d)}/e2e"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

for layout in csv nbia j2k; do
  flags=(--layout "$layout")
  [[ $layout == j2k ]] && flags=(--layout csv --jpeg2000)
  "$synth" --output "$work/$layout" --cases 40 "${flags[@]}" --seed 11 --trap_rate 0.1 2>/dev/null
  "$dcm2png" --csv "$work/$layout/mass_case_description_train_set.csv" \
    --csv "$work/$layout/mass_case_description_test_set.csv" --root "$work/$layout" \
    --output "$work/full_$layout@2" --clahe --threads 2 2> "$work/dcm2png_$layout.log"
  "$shardcat" "$work/full_$layout" > "$work/records_$layout.jsonl"
done
cmp -s "$work/records_csv.jsonl" "$work/records_nbia.jsonl" || fail "csv and nbia layouts give different records"
cmp -s "$work/records_csv.jsonl" "$work/records_j2k.jsonl" || fail "JPEG 2000 and uncompressed files give different records"
# Rejects name the files, whose paths differ by layout: compare ids and reasons.
reasons() { cut -f1,2 "$1"; }
[[ "$(reasons "$work/full_csv.rejects.tsv")" == "$(reasons "$work/full_nbia.rejects.tsv")" ]] \
  || fail "csv and nbia layouts reject differently"
[[ "$(reasons "$work/full_csv.rejects.tsv")" == "$(reasons "$work/full_j2k.rejects.tsv")" ]] \
  || fail "JPEG 2000 and uncompressed files reject differently"

"$shardcat" --extract "$work/png" "$work/full_csv" 2>/dev/null
/usr/bin/python3 - "$work" <<'PY'
import csv, json, sys, cv2, numpy as np
work = sys.argv[1]
truth = {}
with open(f"{work}/csv/synth_truth.csv", newline="") as f:
    for row in csv.DictReader(f):
        if row["kind"] == "mass":
            truth[f'{row["subject"]}_{row["abnormality id"]}'] = row
records = {}
for line in open(f"{work}/records_csv.jsonl"):
    r = json.loads(line)
    records[r["id"]] = r
rejects = {}
for line in open(f"{work}/full_csv.rejects.tsv").read().splitlines()[1:]:
    rid, reason, _ = line.split("\t")
    rejects[rid] = reason
assert set(records) | set(rejects) == set(truth), "every CSV row is written or rejected"
assert not set(records) & set(rejects), "no row both written and rejected"
must_reject = {"missing_image": "image_not_found", "corrupt_image": "corrupt_dicom", "missing_mask": "mask_not_found"}
seen = set()
for rid, t in truth.items():
    traps = set(t["traps"].split(";")) - {"none", ""}
    seen |= traps
    expected = [must_reject[x] for x in traps if x in must_reject]
    if expected:
        assert rid in rejects and rejects[rid] in expected, (rid, traps, rejects.get(rid))
        continue
    assert rid in records, (rid, traps, rejects.get(rid))
    r = records[rid]
    assert r["label"] == t["label"].upper(), rid
    assert r["pathology"] == t["pathology"], rid
    mask = cv2.imread(f"{work}/png/{rid}.mask0.png", cv2.IMREAD_UNCHANGED)
    assert set(np.unique(mask)) <= {0, 255}, rid
    x, y, w, h = cv2.boundingRect((mask > 0).astype(np.uint8))
    box = [int(t[k]) for k in ("bbox_x", "bbox_y", "bbox_width", "bbox_height")]
    # A mask synth shrank (size trap) comes back through nearest-neighbour rescaling: its box
    # may move by a pixel or two at each edge.
    tol = 3 if "mask_size" in " ".join(traps) else 0
    assert all(abs(a - b) <= tol for a, b in zip([x, y, w, h], box)), (rid, [x, y, w, h], box)
    if "subtlety_zero" in traps:
        assert r["attributes"]["subtlety"] == 0, rid
print("traps seen:", sorted(seen))
assert {"missing_image", "corrupt_image", "missing_mask", "swap_crop_mask_columns", "mask_size",
        "subtlety_zero"} <= seen, seen
PY
echo "synth -> dcm2png: all checks passed"
