#!/usr/bin/env bash
# The whole score run a user waits for on a large test set: score --bootstrap 2000 with the
# HTML report (figures embedded) on N cases with patients, against NumPy + scikit-learn doing
# the AUC and the same two resamplings (bench/score_report_peer.py run: roc_auc_score, then a
# vectorised stratified-case and patient bootstrap of the AUC). Both are timed as whole
# processes, wall clock, reading the CSV included; interleaved, ROUNDS times, medians. CPU
# seconds (user + system) are printed too: they do not depend on how many cores other jobs
# leave free. The AUCs must agree to 1e-9, else exit 3.
# Goal (issue 21): under 30 s for 1,000,000 cases and 2,000 resamples on 2 cores.
# Usage: bazel-bin/bench/score_report_bench [N [RESAMPLES [ROUNDS]]]   (1000000 2000 3)
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}/mammo"
score="$runfiles/tools/score/score"
peer="$runfiles/bench/score_report_peer.py"
n=${1:-1000000}
resamples=${2:-2000}
rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$peer" make "$work/cases.csv" "$n" 20261205

timed() {  # OUT COMMAND...: runs COMMAND with stdout to OUT; prints "wall cpu"
  local out=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" > "$out"
  read -r wall user sys < "$work/time"
  echo "$wall $(echo "$user + $sys" | bc -l)"
}

results="$work/results.tsv"
for ((i = 0; i < rounds; ++i)); do
  printf '%s\t%s\n' \
    "$(timed "$work/ours.json" "$score" --bootstrap "$resamples" --seed 1 --json \
       --html "$work/report.html" "$work/cases.csv")" \
    "$(timed "$work/peer.json" /usr/bin/python3 "$peer" run "$work/cases.csv" "$resamples" 1)" \
    >> "$results"
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
/usr/bin/python3 - "$results" "$work/ours.json" "$work/peer.json" "$n" "$resamples" <<'PY'
import json, statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
ours_json = json.load(open(sys.argv[2]))["splits"][0]
peer_json = json.loads(open(sys.argv[3]).read())
n, resamples = int(sys.argv[4]), int(sys.argv[5])
if abs(ours_json["auc"] - peer_json["auc"]) > 1e-9:
    print(f"score_report_bench: AUC MISMATCH: ours {ours_json['auc']!r}, "
          f"scikit-learn {peer_json['auc']!r}", file=sys.stderr)
    sys.exit(3)
ours, ours_cpu, peer, peer_cpu = (statistics.median(c) for c in zip(*rows))
ratio = statistics.median(r[2] / r[0] for r in rows)
print(f"score --bootstrap {resamples} --html on {n:,} cases vs NumPy + scikit-learn (AUC and its "
      f"two bootstrap CIs only) | ours {ours:.1f} s | peer {peer:.1f} s | ratio {ratio:.2f} "
      f"| goal ours < 30 s: {'met' if ours < 30 else 'NOT met'}")
print(f"  per round (ours, peer) s: " + ", ".join(f"({r[0]:.1f}, {r[2]:.1f})" for r in rows))
print(f"  CPU seconds: ours {ours_cpu:.1f}, peer {peer_cpu:.1f}")
print(f"  AUC {ours_json['auc']:.6f}; case bootstrap CI ours {ours_json['auc_ci95_bootstrap']}, "
      f"peer {peer_json['auc_ci95_bootstrap']}; patient bootstrap CI ours "
      f"{ours_json['auc_ci95_patient_bootstrap']}, peer {peer_json['auc_ci95_patient_bootstrap']}")
PY
