#!/usr/bin/env bash
# End-to-end checks of score's figures, run folders and --runs report: the PNGs decode with
# OpenCV at 800x600 and are not blank; the report lists every run, sorted by ROC AUC.
set -euo pipefail
score="$PWD/tools/score/score"
csv="$PWD/tools/score/testdata/predictions.csv"
check_png=(/usr/bin/python3 "$PWD/tools/score/png_check.py")
tmp="$TEST_TMPDIR"
fail() { echo "FAIL: $*" >&2; exit 1; }

history='epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,beta,learning_rate,seconds
1,0.7,0.6,0.69,0.5,1.2,1e-05,1.0
2,0.5,0.8,0.6,0.64,1.25,1e-05,1.0
3,0.3,0.9,0.65,0.75,1.2,1e-05,1.0'

# Predictions CSV plus --history: every figure, beta in the table.
table=$("$score" --figures "$tmp/figs" --history <(echo "$history") "$csv")
[[ "$table" == *"best epoch 2 of 3 (min valid_loss): train_acc 0.8000, valid_acc 0.6400, beta 1.2500"* ]] \
  || fail "beta from --history: $table"
"${check_png[@]}" "$tmp"/figs/{roc,confusion,reliability}_{valid,test}.png "$tmp"/figs/{accuracy,loss}.png
[[ $(ls "$tmp/figs" | wc -l) == 8 ]] || fail "unexpected files in figs: $(ls "$tmp/figs")"

# Without a history there are no history figures.
"$score" --figures "$tmp/figs_no_history" "$csv" >/dev/null
[[ ! -e "$tmp/figs_no_history/accuracy.png" ]] || fail "accuracy.png without a history"

# Run folders: the same predictions, and a second run whose test AUC is 1.
make_run() {  # DIR NAME BEST_EPOCH
  mkdir -p "$1"
  echo "$history" >"$1/history.csv"
  # The run.json a tl_train run on features writes (lib/train/run_config.cc).
  printf '{"run_name": "%s", "stage": "tl_train", "features_source": "embed: vgg16",
    "head": {"in_features": 512, "hidden": [4096], "dropout": 0.2, "standardize": false},
    "learning_rate": 0.001, "batch_size": 32, "seed": 1, "epochs_run": 5, "best_epoch": %d,
    "stopped_early": false}\n' "$2" "$3" >"$1/run.json"
}
make_run "$tmp/runs/a" "vgg16-TL" 3
cp "$csv" "$tmp/runs/a/predictions.csv"
make_run "$tmp/runs/b" "resnet-50-TL" 2
{
  echo "id,patient_id,lesion_id,split,label,probability"
  for i in 1 2 3 4; do echo "v$i,P$i,L$i,valid,$((i % 2)),0.$((i % 2 * 5 + 2))"; done
  for i in 1 2 3 4; do echo "t$i,Q$i,M$i,test,$((i % 2)),0.$((i % 2 * 5 + 3))"; done
} >"$tmp/runs/b/predictions.csv"

json=$("$score" --json "$tmp/runs/a")
[[ "$json" == *'"best_epoch_source": "run.json"'* && "$json" == *'"beta": 1.2'* ]] \
  || fail "a run folder's JSON has run.json's best epoch and beta: $json"

mkdir -p "$tmp/out"
(cd "$tmp" && "$score" --runs --report out/report.md --figures figs_runs runs/a runs/b)
report=$(cat "$tmp/out/report.md")
rows=$(grep -c '^| [a-z]' <<<"$report")
[[ "$rows" == 3 ]] || fail "header and two runs expected: $report"  # header row starts '| model'
[[ "$(grep -n 'resnet-50-TL' <<<"$report" | cut -d: -f1)" -lt \
   "$(grep -n 'vgg16-TL' <<<"$report" | cut -d: -f1)" ]] || fail "not sorted by AUC: $report"
[[ "$report" == *"| resnet-50-TL | test | 1.000 [1.000, 1.000] |"* ]] || fail "run b's row: $report"
[[ "$report" == *"| vgg16-TL | test | 0.667 "* ]] || fail "run a's row: $report"
# train_acc, valid_acc, test_acc, beta_eq7 = 0.9 / 0.75, beta_test = 0.9 / 0.5.
[[ "$report" == *"| 0.900 | 0.750 | 0.500 | 1.200 | 1.800 |"* ]] \
  || fail "run a's accuracies and both betas: $report"
[[ "$report" == *"[roc_test](../figs_runs/vgg16-TL/roc_test.png)"* ]] || fail "relative links: $report"
# Every linked figure exists and is a real image.
links=$(grep -o '](\.\./figs_runs/[^)]*)' <<<"$report" | sed 's/^](\(.*\))$/\1/')
[[ $(wc -l <<<"$links") == 16 ]] || fail "16 figures linked: $links"
(cd "$tmp/out" && "${check_png[@]}" $links)

# A report named without a folder goes to the current one, its links relative to it.
(cd "$tmp/out" && "$score" --runs --report here.md --figures ../figs_here ../runs/a)
[[ "$(cat "$tmp/out/here.md")" == *"[roc_test](../figs_here/vgg16-TL/roc_test.png)"* ]] \
  || fail "links of a report in the current folder: $(cat "$tmp/out/here.md")"

# --paper: every row of Tables 7 and 9, ours beside the paper's; rows not run say why.
printf 'model,reason\nvgg16,"no weights/vgg16.safetensors, say"\n' >"$tmp/not_run.csv"
paper=$("$score" --runs --paper --not_run "$tmp/not_run.csv" "$tmp/runs/a" "$tmp/runs/b")
# resnet-50-TL: best epoch 2 (train 0.8, valid 0.64), all test cases right; Table 7 and 8's row.
[[ "$paper" == *"| resnet-50-TL | 1.000 | 0.861 | 1.000 | 0.858 | 1.000 | 0.861 | 0.800 | 1.000 | 1.000 | 0.860 | 0.800 | 1.160 | 1.250 | 1.000 [1.000, 1.000] |  |"* ]] \
  || fail "resnet-50-TL beside the paper: $paper"
[[ "$paper" == *"| vgg16-8-FT | — | 0.844 | — | 0.850 | — | 0.844 | — | 0.920 | — | 0.840 | — | 1.090 | — | — | not run: no weights/vgg16.safetensors, say |"* ]] \
  || fail "vgg16-8-FT not run, with its reason: $paper"
[[ "$paper" == *"| resnet-50-170-FT | — | 0.500 | — | 0.000 | — | 0.500 | — | — | — | — | — | — | — | — | not run |"* ]] \
  || fail "a row without a Table 10 value: $paper"
[[ $(grep -cE '^\| [a-z0-9-]+-(TL|FT) \|' <<<"$paper") == $((2 + 34)) ]] \
  || fail "two runs and the paper's 34 rows: $paper"
# A fine-tuning run's row says how its frozen BatchNorm normalised, and a run kept at its
# last epoch says so.
mkdir -p "$tmp/runs/ft"
echo "$history" >"$tmp/runs/ft/history.csv"
cp "$tmp/runs/b/predictions.csv" "$tmp/runs/ft/"
printf '{"run_name": "resnet-50-173-FT", "stage": "ft_train", "features_source": "",
  "head": {"in_features": 2048, "hidden": [], "dropout": 0.2, "standardize": false},
  "learning_rate": 2e-7, "batch_size": 32, "seed": 1, "epochs_run": 3, "best_epoch": 2,
  "stopped_early": false, "model": "resnet50", "gamma": 173, "image_size": 320,
  "frozen_bn": "batch_stats", "restore_best": false}\n' >"$tmp/runs/ft/run.json"
ft=$("$score" --runs --paper "$tmp/runs/ft")
# Kept at its last epoch, 3 (train 0.9, valid 0.75), not its best, 2: its accuracies are epoch 3's.
[[ "$ft" == *"| resnet-50-173-FT | 1.000 | 0.500 | 1.000 | 0.667 | 1.000 | 0.500 | 0.900 | — | 1.000 | — | 0.900 | — | 1.200 |"* ]] \
  || fail "the FT run kept at its last epoch: $ft"
[[ "$ft" == *"| resnet-50-173-FT | 1.000 | 0.500 |"*"| frozen BatchNorm: batch statistics (Keras 2.2's); last epoch's weights (Keras's default) |"* ]] \
  || fail "the FT run's BatchNorm mode and kept epoch: $ft"

# --bootstrap: our paper_auc, F1 and ACC carry intervals, in both tables; run a's test cases
# all name their patients, so the intervals resample patients.
boot=$("$score" --runs --paper --bootstrap 200 --seed 1 "$tmp/runs/a")
[[ "$boot" =~ "| vgg16-TL | test | 0.667 [0.".*"] | 0.500 [0."[0-9]+", "[01]\.[0-9]+"] | " ]] \
  || fail "the runs table's intervals: $boot"
[[ "$boot" =~ "| vgg16-TL | 0.500 [0."[0-9]+", "[01]\.[0-9]+"] | 0.644 | " ]] \
  || fail "the paper table's intervals: $boot"
[[ "$boot" == *"percentile bootstrap of 200 resamples of patients "* ]] || fail "what was resampled: $boot"

usage=$("$score" --runs --not_run "$tmp/not_run.csv" "$tmp/runs/a" 2>&1) && fail "--not_run alone"
[[ "$usage" == *"--not_run goes with --paper"* ]] || fail "--not_run without --paper: $usage"
printf 'model,reason\nresnet-51,typo\n' >"$tmp/bad_not_run.csv"
bad=$("$score" --runs --paper --not_run "$tmp/bad_not_run.csv" "$tmp/runs/a" 2>&1) && fail "typo"
[[ "$bad" == *"bad_not_run.csv:2: unknown model 'resnet-51'"* ]] || fail "a typo in --not_run: $bad"

# To stdout without --figures: no figures column.
[[ "$("$score" --runs "$tmp/runs/a")" != *"figures"* ]] || fail "figures column without --figures"

# A run folder lacking a file names it; exit 2.
mkdir -p "$tmp/runs/c"
make_run "$tmp/runs/c" "broken" 1
set +e
err=$("$score" --runs "$tmp/runs/a" "$tmp/runs/c" 2>&1 >/dev/null); code=$?
set -e
[[ $code == 2 ]] || fail "incomplete run folder must exit 2, got $code"
[[ "$err" == "score: $tmp/runs/c/predictions.csv: cannot open"* ]] || fail "error names the file: $err"
[[ $(wc -l <<<"$err") == 1 ]] || fail "one-line error: $err"
echo "OK"
