"""Checks lib/metrics against scikit-learn and a direct O(m*n) DeLong, to 1e-9 (Brier 1e-12).

Usage: sklearn_reference_test.py METRICS_CASES_BINARY

Cases are random but seeded, with scores drawn from a coarse grid so that ties within and
across classes are common (ties are where midrank shortcuts go wrong). Expected values are
computed here at run time from definitions, never copied from the C++ side.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.stats import norm
from scipy.special import expit
from sklearn.calibration import _sigmoid_calibration, calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import (accuracy_score, brier_score_loss, confusion_matrix, f1_score,
                             precision_score, recall_score, roc_auc_score, roc_curve)

TOLERANCE = 1e-9
BRIER_TOLERANCE = 1e-12  # issue 21: Brier equal to brier_score_loss to 1e-12
# Platt's minimum found by two different Newton methods (ours, scipy's trust region).
PLATT_TOLERANCE = 1e-7
Z975 = norm.ppf(0.975)


def psi(x, y):
    """DeLong's kernel: 1 if the positive outscores the negative, 1/2 on a tie."""
    return 1.0 if x > y else 0.5 if x == y else 0.0


def structural_components(labels, scores):
    """V10 per positive and V01 per negative, by comparing every pair (DeLong et al. 1988)."""
    pos = [s for l, s in zip(labels, scores) if l == 1]
    neg = [s for l, s in zip(labels, scores) if l == 0]
    v10 = [sum(psi(x, y) for y in neg) / len(neg) for x in pos]
    v01 = [sum(psi(x, y) for x in pos) / len(pos) for y in neg]
    return np.array(v10), np.array(v01)


def delong_covariance(labels, score_sets):
    """The covariance matrix of the AUCs of several scores of the same cases."""
    comps = [structural_components(labels, s) for s in score_sets]
    v10 = np.array([c[0] for c in comps])
    v01 = np.array([c[1] for c in comps])
    return (np.atleast_2d(np.cov(v10, ddof=1)) / v10.shape[1]
            + np.atleast_2d(np.cov(v01, ddof=1)) / v01.shape[1])


def expected(case):
    y, a, b, t = case["labels"], case["a"], case["b"], case["threshold"]
    pred = [1 if s >= t else 0 for s in a]
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    auc_a, auc_b = roc_auc_score(y, a), roc_auc_score(y, b)
    cov = delong_covariance(y, [a, b])
    se_diff = math.sqrt(max(0.0, cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]))
    diff = auc_a - auc_b
    if se_diff > 0:
        p = 2 * norm.sf(abs(diff) / se_diff)
    else:
        p = 1.0 if diff == 0 else 0.0
    var_a = cov[0, 0]
    fpr, tpr, thresholds = roc_curve(y, a, drop_intermediate=False)
    # Youden's J, exactly in integers, ties to the largest threshold (first in sklearn order).
    npos, nneg = sum(y), len(y) - sum(y)
    scaled_j = [round(r * npos) * nneg - round(f * nneg) * npos for f, r in zip(fpr, tpr)]
    best = 1 + int(np.argmax(scaled_j[1:]))
    sens = recall_score(y, pred, zero_division=0)
    spec = tn / (tn + fp)
    return {
        "auc": auc_a,
        "delong_variance": var_a,
        "delong_ci": [min(1.0, max(0.0, auc_a - Z975 * math.sqrt(var_a))),
                      min(1.0, max(0.0, auc_a + Z975 * math.sqrt(var_a)))],
        "test_difference": diff,
        "test_se": se_diff,
        "test_p": p,
        "confusion": {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)},
        "accuracy": accuracy_score(y, pred),
        "f1": f1_score(y, pred, zero_division=0),
        "precision": precision_score(y, pred, zero_division=0),
        "sensitivity": sens,
        "specificity": spec,
        "paper_auc": (1 + sens - fp / (fp + tn)) / 2,
        "roc_fpr": list(fpr),
        "roc_tpr": list(tpr),
        # sklearn 1.2 puts max + 1 first where the C++ puts +inf; the rest must agree.
        "roc_thresholds": list(thresholds[1:]),
        "youden_threshold": thresholds[best],
        "youden_j": tpr[best] - fpr[best],
        **calibration(y, a),
        **operating_points(y, a),
        **recalibrated(y, a, b),
    }


def calibration(y, p, bins=10):
    """Brier, the reliability points and ECE = sum over bins of n_b / n * |true_b - pred_b|."""
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    # Each non-empty bin's size, from the bin edges calibration_curve documents.
    edges = np.linspace(0.0, 1.0, bins + 1)
    sizes = np.bincount(np.searchsorted(edges[1:-1], p), minlength=bins)
    sizes = sizes[sizes > 0]
    ece = float(np.sum(sizes / len(p) * np.abs(prob_true - prob_pred)))
    return {"brier": brier_score_loss(y, p), "ece": ece,
            "reliability_true": list(prob_true), "reliability_pred": list(prob_pred)}


def platt_minimum(f, y):
    """scikit-learn's Platt fit (_sigmoid_calibration), then its objective minimised to the
    end: its BFGS stops early where log-odds are +-27.6 (probabilities 0 and 1), which can
    leave probabilities 4e-4 off the minimum. The objective, gradient and start are
    scikit-learn's; the refinement is Newton's method written out in NumPy (scipy's
    trust-region methods also stopped at gradients of 1e-6)."""
    y = np.asarray(y)
    negatives = float(np.sum(y <= 0))
    positives = len(y) - negatives
    target = np.where(y > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def objective(ab):
        # scikit-learn's loss, -(xlogy(T, P) + xlogy(1 - T, 1 - P)) with P = expit(-z), with
        # log P and log(1 - P) from logaddexp: 1 - P cancels to a few digits where z is near
        # +-28, which puts noise of 1e-5 into the loss and is why its BFGS stops early.
        z = ab[0] * f + ab[1]
        return (target * np.logaddexp(0, z) + (1 - target) * np.logaddexp(0, -z)).sum()

    def gradient(ab):
        residual = target - expit(-(ab[0] * f + ab[1]))
        return np.array([np.dot(residual, f), residual.sum()])

    def hessian(ab):
        p = expit(-(ab[0] * f + ab[1]))
        w = p * (1 - p)
        return np.array([[np.dot(w, f * f), np.dot(w, f)], [np.dot(w, f), w.sum()]])

    start = np.array(_sigmoid_calibration(f, y))
    ab = start.copy()
    for _ in range(100):
        g = gradient(ab)
        if np.hypot(*g) < 1e-11 * len(y):
            break
        step = np.linalg.solve(hessian(ab), g)
        while objective(ab - step) > objective(ab) and np.abs(step).max() > 1e-15:
            step /= 2  # where the log-odds are +-27.6 a full Newton step can overshoot
        ab = ab - step
    assert objective(ab) <= objective(start) + 1e-9, "the refinement must not lose"
    return ab


def recalibrated(y, a, b):
    """Platt (scikit-learn's _sigmoid_calibration on the log-odds, minimised to the end) and
    isotonic (IsotonicRegression, clipped) fitted on (y, a) and applied to b."""
    def log_odds(p):
        p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
        return np.log(p / (1 - p))
    slope, intercept = platt_minimum(log_odds(a), y)
    platt = expit(-(slope * log_odds(b) + intercept))
    isotonic = IsotonicRegression(out_of_bounds="clip").fit(a, y).predict(b)
    return {"platt": list(platt), "isotonic": list(isotonic)}


def operating_points(y, a):
    """Every usable threshold (sklearn's roc_curve, its first one meaning "nothing positive"),
    scored with confusion_matrix; the best one meeting each requirement."""
    _, _, thresholds = roc_curve(y, a, drop_intermediate=False)
    points = []  # (sensitivity, specificity), thresholds decreasing
    for t in thresholds:
        tn, fp, fn, tp = confusion_matrix(y, [1 if s >= t else 0 for s in a], labels=[0, 1]).ravel()
        points.append((tp / (tp + fn), tn / (tn + fp)))
    sens_at_spec, spec_at_sens = [], []
    for required in (0.8, 0.9, 0.95):
        # Highest sensitivity with specificity >= required; of ties the largest threshold.
        meeting = [p for p in points if p[1] >= required]
        sens_at_spec.append(list(max(meeting, key=lambda p: p[0])))
        # Highest specificity with sensitivity >= required.
        meeting = [p for p in points if p[0] >= required]
        spec_at_sens.append(list(max(meeting, key=lambda p: p[1])))
    return {"sensitivity_at_specificity": sens_at_spec,
            "specificity_at_sensitivity": spec_at_sens}


def make_cases(rng):
    cases = []
    for index in range(300):
        n = int(rng.integers(4, 80))
        labels = rng.integers(0, 2, n)
        labels[:2], labels[2:4] = 1, 0  # at least two of each class for DeLong
        labels = rng.permutation(labels)
        grid = int(rng.choice([3, 5, 11, 101]))  # few levels, many ties
        a = np.round(np.clip(rng.random(n) * 0.6 + 0.4 * labels, 0, 1) * (grid - 1)) / (grid - 1)
        if index % 10 == 0:
            b = a.copy()  # identical scores: zero SE, p = 1
        else:
            b = np.round(rng.random(n) * (grid - 1)) / (grid - 1)
        t = float(rng.choice([0.5, 0.3, 0.7, float(rng.choice(a))]))
        cases.append({"labels": [int(v) for v in labels], "a": [float(v) for v in a],
                      "b": [float(v) for v in b], "threshold": t})
    return cases


def compare(path, want, got, failures):
    if isinstance(want, dict):
        for key in want:
            compare(f"{path}.{key}", want[key], got.get(key) if isinstance(got, dict) else None,
                    failures)
    elif isinstance(want, (list, tuple)):
        if not isinstance(got, list) or len(got) != len(want):
            failures.append(f"{path}: want {len(want)} values, got {got!r}")
            return
        for i, (w, g) in enumerate(zip(want, got)):
            compare(f"{path}[{i}]", w, g, failures)
    elif got is None or not math.isclose(float(want), float(got), rel_tol=0,
                                         abs_tol=BRIER_TOLERANCE if path.endswith(".brier")
                                         else PLATT_TOLERANCE if ".platt[" in path
                                         else TOLERANCE):
        failures.append(f"{path}: want {want!r}, got {got!r}")


def main():
    binary = sys.argv[1]
    cases = make_cases(np.random.default_rng(20200601))
    with tempfile.TemporaryDirectory(dir=os.environ.get("TEST_TMPDIR")) as tmp:
        case_file = os.path.join(tmp, "cases.json")
        with open(case_file, "w") as f:
            json.dump(cases, f)
        output = subprocess.run([binary, case_file], check=True, capture_output=True,
                                text=True).stdout
    results = [json.loads(line) for line in output.splitlines()]
    if len(results) != len(cases):
        sys.exit(f"FAIL: {len(cases)} cases but {len(results)} results")
    failures = []
    for i, (case, got) in enumerate(zip(cases, results)):
        compare(f"case {i}", expected(case), got, failures)
    zero_se = sum(1 for r in results if r["test_se"] == 0)
    if zero_se < 10:
        failures.append(f"only {zero_se} cases with identical scores reached a zero SE")
    if failures:
        print("\n".join(failures[:50]), file=sys.stderr)
        sys.exit(f"FAIL: {len(failures)} mismatches")
    print(f"OK: {len(cases)} cases agree to {TOLERANCE}")


if __name__ == "__main__":
    main()
