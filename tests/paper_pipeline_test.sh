#!/usr/bin/env bash
# pipelines/paper.mk on a tiny synthetic CBIS-DDSM with two backbones' weights present: both
# split protocols run transfer learning and one fine-tuning run end to end and report,
# missing weights and unimplemented models are named, and a second `make` has nothing to do.
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/paper"
mkdir -p "$work/weights" "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The Makefile finds tools as BIN/NAME/NAME.
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" "$work/bin" synth dcm2png roicrop augment embed tl_train ft_train \
  predict score

"$work/bin/synth/synth" --output "$work/cbis" --cases 40 --layout nbia --seed 3 --trap_rate 0 2>/dev/null
# Random ImageNet-shaped weights for two backbones, written by an independent writer
# (torchvision's keys; embed maps MobileNetV2's to timm's).
/usr/bin/python3 - "$work/weights" <<'PY'
import json, struct, sys, torch, torchvision

def write(path, state):
    names = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name in sorted(state):
        data = state[name].contiguous().numpy().tobytes()
        header[name] = {"dtype": names[state[name].dtype], "shape": list(state[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

for model in ("mobilenet_v2", "resnet50"):
    torch.manual_seed(0)
    write(f"{sys.argv[1]}/{model}.safetensors",
          getattr(torchvision.models, model)(weights=None).state_dict())
PY

run_make() {
  make --no-print-directory -f "$root/pipelines/paper.mk" CBIS="$work/cbis" WEIGHTS="$work/weights" \
    OUT="$work/out" BIN="$work/bin" SAMPLES=60 IMAGE_SIZE=64 SHARDS=2 THREADS=2 \
    MODELS="mobilenet_v2 resnet50 vgg16" EXTRA_EMBED_FLAGS=--batch=8 FT_RUNS="resnet50:170 vgg16:10" \
    TL_FLAGS="--hidden 16 --max_epochs 2 --patience 2 --lr 1e-3 --standardize" \
    FT_FLAGS="--max_epochs 1 --patience 1 --lr 1e-4 --batch_size 8" "$@"
}
run_make reports > "$work/make.log" 2>&1 || { cat "$work/make.log"; fail "paper.mk failed"; }
grep -q "skipping vgg16: no $work/weights/vgg16.safetensors" "$work/make.log" || fail "missing weights not named"
grep -q "^| vgg16-10-FT | test" "$work/out/patient/report.md" && fail "an FT run without weights ran"
for p in patient paper; do
  [[ -f "$work/out/$p/report.md" ]] || fail "no report for protocol $p"
  report="$work/out/$p/report.md"
  # Runs are named as the paper names them, and each sits beside its paper row.
  for run in mobilenet-v2-TL resnet-50-TL resnet-50-170-FT; do
    grep -q "^| $run | test |" "$report" || fail "report $p lacks our run $run"
    grep -qE "^\| $run \| [01]\.[0-9]{3} \| " "$report" || fail "report $p: $run not beside the paper's"
  done
  # Every row of Tables 7 and 9, the paper's value beside ours or beside why there is none.
  [[ $(grep -cE '^\| [a-z0-9-]+-(TL|FT) \| ([01]\.[0-9]{3}|—) \| ' "$report") == 34 ]] \
    || fail "report $p lacks some of the paper's 34 rows"
  grep -qF "| vgg16-8-FT | — | 0.844 |" "$report" || fail "report $p: no 0.844 beside vgg16-8-FT"
  grep -qF "not run: no $work/weights/vgg16.safetensors |" "$report" || fail "report $p: vgg16 not named"
  grep -qF "| beta_eq7 | beta_test |" "$report" || fail "report $p lacks both betas"
  grep -qF "| beta train/test | paper | beta eq. 7 |" "$report" || fail "report $p: betas beside the paper"
done
# The paper protocol's leakage is visible: its test split shares lesions with train.
# (grep reads a file: grep -q on a pipe stops at the match, and the writer's SIGPIPE would fail
# the pipeline under pipefail.)
"$work/bin/score/score" --leakage "$work/out/paper/aug_train" "$work/out/paper/aug_test" \
  2> "$work/leakage.txt" >/dev/null || fail "score --leakage failed"
grep -q "LEAKAGE" "$work/leakage.txt" || fail "the paper protocol's leakage is not reported"
"$work/bin/score/score" --leakage "$work/out/patient/aug_train" "$work/out/patient/aug_test" 2>&1 >/dev/null \
  | grep -q "LEAKAGE" && fail "the patient protocol leaks"
run_make reports > "$work/again.log" 2>&1
grep -q "$work/bin/" "$work/again.log" && { cat "$work/again.log"; fail "a second make ran a tool again"; }
echo "paper.mk: all checks passed"
