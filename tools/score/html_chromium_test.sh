#!/usr/bin/env bash
# score --html's page in a real browser: Debian's chromium, headless, with every host name
# unresolvable so that nothing can come from the network. The page must log nothing to the
# console (a blocked load would), hold the tables, embed every figure as a PNG data: URI
# that decodes to a real figure, refer to no http(s) address, and render to a screenshot
# that is not blank (kept as a test output: bazel-testlogs/.../test.outputs/).
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "SKIP: chromium is not installed (tools/setup.sh installs it)"
  exit 0
fi
score="$PWD/tools/score/score"
csv="$PWD/tools/score/testdata/predictions.csv"
python=/usr/bin/python3  # Debian's, with OpenCV (figures_runs_test says why)
html_check=("$python" "$PWD/tools/score/html_check.py")
png_check=("$python" "$PWD/tools/score/png_check.py")
tmp="$TEST_TMPDIR"
outputs="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp}"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Chromium writes its profile under HOME, which the test sandbox does not provide.
export HOME="$tmp/home"
mkdir -p "$HOME"
browser() {
  timeout 120 chromium --headless --disable-gpu --no-sandbox \
    --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 "$@"
}
# Renders PAGE's DOM to DOM; fails on any console message (errors, blocked loads).
render() {  # PAGE DOM
  browser --dump-dom "file://$1" >"$2" 2>"$2.log" || fail "chromium failed on $1: $(tail -5 "$2.log")"
  local console
  console=$(grep ':CONSOLE' "$2.log" || true)
  [[ -z "$console" ]] || fail "console messages on $1: $console"
}

# The console check can fail: a page that loads an image from the web is caught.
cat >"$tmp/control.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:">
</head><body><img src="http://example.com/x.png"></body></html>
HTML
if (render "$tmp/control.html" "$tmp/control_dom.html") 2>/dev/null; then
  fail "a page loading http://example.com/x.png logged nothing to the console"
fi

# A run folder of the test predictions, scored with --runs --paper (Tables 7-10) and CIs.
run="$tmp/runs/vgg16-TL"
mkdir -p "$run"
cp "$csv" "$run/predictions.csv"
printf 'epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,beta,learning_rate,seconds
1,0.7,0.6,0.69,0.5,1.2,1e-05,1.0
2,0.5,0.8,0.6,0.64,1.25,1e-05,1.0\n' >"$run/history.csv"
printf '{"run_name": "vgg16-TL", "stage": "tl_train", "features_source": "embed: vgg16",
  "head": {"in_features": 512, "hidden": [4096], "dropout": 0.2, "standardize": false},
  "learning_rate": 0.001, "batch_size": 32, "seed": 1, "epochs_run": 2, "best_epoch": 2,
  "stopped_early": false}\n' >"$run/run.json"
"$score" --runs --paper --bootstrap 200 --seed 1 --html "$tmp/runs.html" "$run" >/dev/null
! grep -Eiq 'https?:|<script' "$tmp/runs.html" || fail "runs.html refers to the web or has a script"
render "$tmp/runs.html" "$tmp/runs_dom.html"
# ROC, confusion and reliability of valid and test, accuracy and loss.
"${html_check[@]}" "$tmp/runs_dom.html" "$tmp/runs_images" 8 "score report" "Runs" \
  "Transfer learning (Tables 7 and 8)" "Fine tuning (Tables 9 and 10)" "At the threshold" \
  "Operating points" "Figures"
"${png_check[@]}" "$tmp"/runs_images/*.png
grep -q '<td class="number">0.500 \[0\.[0-9]*, [01]\.[0-9]*\]</td>' "$tmp/runs_dom.html" \
  || fail "the paper table's AUC eq. 13 with its CI is not in the DOM"
grep -qF '"run_name": "vgg16-TL"' "$tmp/runs_dom.html" \
  || fail "run.json is not shown as provenance"

# Predictions files: one section, the figures of both splits.
"$score" --html "$tmp/files.html" "$csv" >/dev/null
! grep -Eiq 'https?:|<script' "$tmp/files.html" || fail "files.html refers to the web or has a script"
render "$tmp/files.html" "$tmp/files_dom.html"
"${html_check[@]}" "$tmp/files_dom.html" "$tmp/files_images" 6 "ROC AUC and calibration"
"${png_check[@]}" "$tmp"/files_images/*.png

# With the heatmaps predict --heatmaps draws, one PNG per record (id through SafeFileName):
# the gallery shows the worst errors at 0.5, false positives v4, t4 and false negatives v3,
# t2, t3, so 6 figures + 5 heatmaps.
heatmaps="$tmp/heatmaps"
mkdir -p "$heatmaps"
"$python" - "$heatmaps" <<'PY'
import sys

import cv2
import numpy as np

for n, name in enumerate(["v1", "v2", "v3", "v4", "v5", "v6", "t1", "t2", "t3", "t4", "t5", "t_6"]):
    grey = np.full((64, 64), 40 + 10 * n, np.uint8)
    cv2.circle(grey, (20 + n, 40), 12, 255, -1)
    cv2.imwrite(f"{sys.argv[1]}/{name}.png", cv2.applyColorMap(grey, cv2.COLORMAP_JET))
PY
"$score" --html "$tmp/gallery.html" --heatmaps "$heatmaps" "$csv" >/dev/null
render "$tmp/gallery.html" "$tmp/gallery_dom.html"
"${html_check[@]}" "$tmp/gallery_dom.html" "$tmp/gallery_images" 11 \
  "Worst errors: Grad-CAM heatmaps"
for caption in "false positive: v4, p = 0.700 (valid)" "false negative: t3, p = 0.200 (test)"; do
  grep -qF "$caption" "$tmp/gallery_dom.html" || fail "the gallery lacks '$caption'"
done
browser --window-size=1280,2400 --screenshot="$outputs/gallery_report.png" \
  "file://$tmp/gallery.html" >/dev/null 2>"$tmp/gallery_screenshot.log" \
  || fail "no screenshot of the gallery: $(tail -5 "$tmp/gallery_screenshot.log")"

# The rendered page: a screenshot that decodes and is not blank.
browser --window-size=1280,2400 --screenshot="$outputs/runs_report.png" "file://$tmp/runs.html" \
  >/dev/null 2>"$tmp/screenshot.log" || fail "no screenshot: $(tail -5 "$tmp/screenshot.log")"
"$python" - "$outputs/runs_report.png" <<'PY'
import sys

import cv2
import numpy as np

image = cv2.imread(sys.argv[1], cv2.IMREAD_COLOR)
if image is None:
    sys.exit(f"FAIL: the screenshot {sys.argv[1]} does not decode")
if image.shape[:2] != (2400, 1280):
    sys.exit(f"FAIL: the screenshot is {image.shape[1]}x{image.shape[0]}, not 1280x2400")
# Text, table lines and figures: many colours, and far from all white.
colours = len(np.unique(image.reshape(-1, 3), axis=0))
ink = float((image.min(axis=2) < 200).mean())
if colours < 50 or ink < 0.01:
    sys.exit(f"FAIL: the screenshot looks blank: {colours} colours, {ink:.4f} of it ink")
print(f"screenshot OK: {colours} colours, {ink:.3f} of it ink")
PY
echo "OK"
