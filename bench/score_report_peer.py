"""NumPy + scikit-learn peer of bench/score_report_bench.sh. Run with Debian's /usr/bin/python3.

  score_report_peer.py make CSV N SEED      writes N seeded cases (id,label,probability,
                                            patient_id,split): 30% malignant, about 2.7 cases
                                            per patient sharing a patient effect, probabilities
                                            to 6 decimals
  score_report_peer.py run CSV RESAMPLES SEED
                                            what a user would run: reads the CSV with NumPy,
                                            roc_auc_score, then the AUC's two bootstrap
                                            intervals as score draws them (stratified cases;
                                            patients), vectorised: the cases sorted once, each
                                            resample's counts by np.bincount, its AUC from the
                                            counts per distinct score (the Mann-Whitney U).
                                            Prints one JSON line; the caller times the process.

The peer computes the AUC and its two intervals only; score also computes the rates at the
threshold, five operating points and the ROC band from the same resamples, DeLong's interval,
calibration and the HTML report with its figures: the ratio is conservative.
"""
import json
import sys

import numpy as np
from sklearn.metrics import roc_auc_score


def make(path, n, seed):
    rng = np.random.default_rng(seed)
    patients = max(1, n * 10 // 27)
    patient = rng.integers(0, patients, n)
    effect = rng.normal(0, 1, patients)
    label = (rng.random(n) < 0.3).astype(int)
    probability = 1 / (1 + np.exp(-(1.2 * label + 0.6 * effect[patient] + rng.normal(0, 1, n) - 0.5)))
    with open(path, "w") as f:
        f.write("id,label,probability,patient_id,split\n")
        for i in range(n):
            f.write(f"c{i},{label[i]},{probability[i]:.6f},P{patient[i]},test\n")


def auc_of_counts(positives, negatives):
    """AUC of a resample given as counts per distinct score, ascending."""
    negatives_below = np.cumsum(negatives) - negatives
    twice_u = np.dot(positives, 2 * negatives_below + negatives)
    return 0.5 * twice_u / (positives.sum() * negatives.sum())


def interval(values):
    return [float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))]


def run(path, resamples, seed):
    table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2))
    labels = table[:, 0].astype(np.int64)
    scores = np.ascontiguousarray(table[:, 1])
    patient_names = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(3,), dtype=str)
    _, patient = np.unique(patient_names, return_inverse=True)
    auc = roc_auc_score(labels, scores)

    distinct, group = np.unique(scores, return_inverse=True)
    groups = len(distinct)
    rng = np.random.default_rng(seed)
    positive_groups = group[labels == 1]
    negative_groups = group[labels == 0]
    by_case = []
    for _ in range(resamples):
        p = np.bincount(positive_groups[rng.integers(0, len(positive_groups), len(positive_groups))],
                        minlength=groups)
        q = np.bincount(negative_groups[rng.integers(0, len(negative_groups), len(negative_groups))],
                        minlength=groups)
        by_case.append(auc_of_counts(p, q))

    patients = patient.max() + 1
    by_patient = []
    for _ in range(resamples):
        weight = np.bincount(rng.integers(0, patients, patients), minlength=patients)[patient]
        p = np.bincount(group, weights=weight * labels, minlength=groups)
        q = np.bincount(group, weights=weight * (1 - labels), minlength=groups)
        if p.sum() > 0 and q.sum() > 0:
            by_patient.append(auc_of_counts(p, q))
    print(json.dumps({"auc": float(auc), "auc_ci95_bootstrap": interval(by_case),
                      "auc_ci95_patient_bootstrap": interval(by_patient)}))


def main():
    mode = sys.argv[1]
    if mode == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "run":
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"score_report_peer.py: unknown mode {mode!r}")


if __name__ == "__main__":
    main()
