#!/usr/bin/env bash
# pipelines/predict.mk end to end: a miniature demo trains a transfer-learning run (random
# backbone, no download), then predict.mk takes test-split mammograms of the demo's synthetic
# data as if they were new (their DICOM files and a CSV of the masses' boxes) to a probability
# per box. Since the run records its preprocessing and predict.mk repeats it, each probability
# equals the one the training pipeline's own records of that lesion get; a requested parameter
# that differs from the run's is refused, naming it; a box outside its image stops dcm2png.
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/predict_pipeline"
rm -rf "$work"
mkdir -p "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" "$work/bin" synth dcm2png roicrop augment embed tl_train predict \
  shardcat
demo="$work/demo"
make --no-print-directory -f "$root/pipelines/demo.mk" OUT="$demo" BIN="$work/bin" \
  CASES=120 SAMPLES=200 IMAGE_SIZE=96 EPOCHS=20 WEIGHTS=none DENOISE=no SHARDS=1 THREADS=2 \
  "$demo/runs/inception_v3-mixed5-TL/predictions.csv" > "$work/demo.log" 2>&1 \
  || { tail -n 30 "$work/demo.log"; fail "demo.mk failed"; }
run="$demo/runs/inception_v3-mixed5-TL"
grep -q '"roicrop.denoise": "false"' "$run/run.json" || fail "run.json lacks roicrop's parameters"
grep -q '"dcm2png.clahe": "true"' "$run/run.json" || fail "run.json lacks dcm2png's parameters"

# The new images: the demo's test-split masses without traps, by their DICOM file and the
# true box of their mask, which is also the box roicrop cropped in training.
/usr/bin/python3 - "$demo/cbis/synth_truth.csv" "$run/predictions.csv" "$work/rois.csv" <<'EOF'
import csv, sys
truth, predictions, out = sys.argv[1:]
tested = {r["id"] for r in csv.DictReader(open(predictions)) if r["split"] == "test"}
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["file", "x", "y", "width", "height", "id"])
    for r in csv.DictReader(open(truth)):
        id = f'{r["subject"]}_{r["abnormality id"]}'
        if r["kind"] == "mass" and r["traps"] == "none" and id in tested:
            w.writerow([r["image_file"], r["bbox_x"], r["bbox_y"], r["bbox_width"], r["bbox_height"], id])
EOF
boxes=$(( $(wc -l < "$work/rois.csv") - 1 ))
[[ $boxes -ge 5 ]] || fail "only $boxes test masses to predict"

new="$work/new"
predict_make() {
  make --no-print-directory -f "$root/pipelines/predict.mk" RUN="$run" DICOM="$demo/cbis" \
    ROIS="$work/rois.csv" OUT="$new" BIN="$work/bin" THREADS=2 "$@"
}
predict_make predictions > "$work/predict.log" 2>&1 || { cat "$work/predict.log"; fail "predict.mk failed"; }
# One probability in [0, 1] per box, equal to the training pipeline's: predict on the demo's
# own ROI records of the same lesions, and the demo's predictions (embed, then the head).
"$work/bin/predict/predict" --run "$run" --input "$demo/rois" --output "$work/pipeline.csv"
/usr/bin/python3 - "$work/rois.csv" "$new/predictions.csv" "$work/pipeline.csv" "$run/predictions.csv" <<'EOF'
import csv, sys
rois, new, *references = sys.argv[1:]
wanted = [r["id"] for r in csv.DictReader(open(rois))]
got = {r["id"]: r["probability"] for r in csv.DictReader(open(new))}
assert sorted(got) == sorted(wanted), f"predictions for {sorted(got)}, boxes {sorted(wanted)}"
for id, p in got.items():
    assert 0 <= float(p) <= 1, f"{id}: probability {p}"
for path in references:
    reference = {r["id"]: r["probability"] for r in csv.DictReader(open(path))}
    for id in wanted:
        assert abs(float(got[id]) - float(reference[id])) < 1e-6, \
            f"{id}: {got[id]} from predict.mk, {reference[id]} in {path}"
print(f"{len(wanted)} probabilities equal the training pipeline's")
EOF
# And a Grad-CAM heatmap of every box's ROI.
[[ $(ls "$new/heatmaps" | grep -c '\.png$') == "$boxes" ]] \
  || fail "predict.mk drew $(ls "$new/heatmaps" | wc -l) heatmaps for $boxes boxes"

# A parameter that differs from the run's is refused before any stage, naming it; the same
# value is accepted.
if predict_make ROICROP_SIZE=299 predictions > "$work/refused.log" 2>&1; then
  fail "ROICROP_SIZE=299 was accepted by a run trained at 320"
fi
grep -q "ROICROP_SIZE=299 differs from the training run's roicrop.size=320" "$work/refused.log" \
  || fail "the refusal does not name the parameter: $(cat "$work/refused.log")"
predict_make DCM2PNG_CLAHE=true ROICROP_SIZE=320 predictions > /dev/null 2>&1 \
  || fail "the run's own values were refused"

# A box outside its image stops dcm2png with the CSV line, and leaves no manifest behind.
{ head -n 2 "$work/rois.csv"; echo "$(sed -n 2p "$work/rois.csv" | cut -d, -f1),0,0,99999,10,outside"; } \
  > "$work/bad_rois.csv"
if predict_make ROIS="$work/bad_rois.csv" OUT="$work/bad" predictions > "$work/bad.log" 2>&1; then
  fail "a box outside its image was accepted"
fi
grep -qF "outside"$'\t'"box_outside_image"$'\t'"bad_rois.csv:3: box x 0" "$work/bad.log" \
  || fail "no reject line: $(cat "$work/bad.log")"
[[ ! -e "$work/bad/full.manifest.json" ]] || fail "the refused dcm2png stage left its manifest"

# The same lesions given by their mask DICOMs instead of boxes (ROIS columns file,mask,id):
# roicrop crops what it cropped in training, so the probabilities are the same.
/usr/bin/python3 - "$demo/cbis/synth_truth.csv" "$work/rois.csv" "$work/masks.csv" <<'EOF'
import csv, sys
truth, rois, out = sys.argv[1:]
wanted = {r["id"] for r in csv.DictReader(open(rois))}
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["file", "mask", "id"])
    for r in csv.DictReader(open(truth)):
        id = f'{r["subject"]}_{r["abnormality id"]}'
        if r["kind"] == "mass" and id in wanted:
            w.writerow([r["image_file"], r["mask_file"], id])
EOF
make --no-print-directory -f "$root/pipelines/predict.mk" RUN="$run" DICOM="$demo/cbis" \
  ROIS="$work/masks.csv" OUT="$work/masks" BIN="$work/bin" THREADS=2 HEATMAPS= predictions \
  > "$work/masks.log" 2>&1 || { cat "$work/masks.log"; fail "predict.mk with mask DICOMs failed"; }
/usr/bin/python3 - "$new/predictions.csv" "$work/masks/predictions.csv" <<'EOF'
import csv, sys
boxes, masks = ({r["id"]: float(r["probability"]) for r in csv.DictReader(open(p))} for p in sys.argv[1:])
assert sorted(masks) == sorted(boxes), f"mask predictions for {sorted(masks)}"
for id, p in masks.items():
    assert abs(p - boxes[id]) < 1e-6, f"{id}: {p} from its mask, {boxes[id]} from its box"
EOF
[[ ! -e "$work/masks/heatmaps" ]] || fail "HEATMAPS= still drew heatmaps"
echo "PASS"
