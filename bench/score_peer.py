"""scikit-learn peer of bench/score_bench.cc. Run with Debian's /usr/bin/python3.

  score_peer.py serve CSV   loads CSV (id,label,probability) once, prints "ready AUC", then
                            answers each "auc" line on stdin with "SECONDS AUC": the time of
                            one roc_auc_score call (time.perf_counter around the call only)
                            on numpy arrays already in memory. Start-up is never timed.
  score_peer.py e2e CSV     what a user runs: read CSV with numpy.loadtxt, roc_auc_score,
                            print the AUC (the caller times the whole process).
"""
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score


def load(path):
    table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2))
    return table[:, 0].astype(np.int64), np.ascontiguousarray(table[:, 1])


def main():
    mode, path = sys.argv[1], sys.argv[2]
    labels, scores = load(path)
    if mode == "e2e":
        print(repr(float(roc_auc_score(labels, scores))))
        return
    print("ready", repr(float(roc_auc_score(labels, scores))), flush=True)  # also warms up
    for line in sys.stdin:
        if line.strip() != "auc":
            sys.exit(f"score_peer.py: unknown request {line!r}")
        start = time.perf_counter()
        auc = roc_auc_score(labels, scores)
        seconds = time.perf_counter() - start
        print(repr(seconds), repr(float(auc)), flush=True)


if __name__ == "__main__":
    main()
