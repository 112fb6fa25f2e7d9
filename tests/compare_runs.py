#!/usr/bin/python3
"""Compares two tl_train/ft_train run folders trained on the same data with the same seed and
global batch, e.g. one process and two data-parallel ranks: history.csv's losses and
accuracies, and every tensor of last.pt and best.pt (weights and RMSprop state), within a
relative tolerance. Prints the largest relative difference of each; exits 1 past it.

Usage: compare_runs.py RUN_A RUN_B [TOLERANCE]   (default 1e-5)
"""
import csv
import sys

import torch


def relative(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def history(run):
    with open(f"{run}/history.csv", newline="") as f:
        return list(csv.DictReader(f))


def tensors(path):
    module = torch.jit.load(path)
    named = dict(module.named_parameters())
    named.update(dict(module.named_buffers()))
    return {k: v.detach().double() for k, v in named.items()}


def main():
    a, b = sys.argv[1], sys.argv[2]
    tolerance = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    failures = []
    rows_a, rows_b = history(a), history(b)
    if len(rows_a) != len(rows_b):
        failures.append(f"history.csv: {len(rows_a)} epochs against {len(rows_b)}")
    worst = 0.0
    for row_a, row_b in zip(rows_a, rows_b):
        for column in ("train_loss", "train_accuracy", "valid_loss", "valid_accuracy"):
            worst = max(worst, relative(float(row_a[column]), float(row_b[column])))
    print(f"history.csv: largest relative difference {worst:.3g}")
    if worst > tolerance:
        failures.append(f"history.csv differs by {worst:.3g}")
    for checkpoint in ("best.pt", "last.pt"):
        ta, tb = tensors(f"{a}/{checkpoint}"), tensors(f"{b}/{checkpoint}")
        if ta.keys() != tb.keys():
            failures.append(f"{checkpoint}: different tensors")
            continue
        worst = 0.0
        for name, value in ta.items():
            scale = max(value.abs().max().item(), tb[name].abs().max().item(), 1e-12)
            worst = max(worst, (value - tb[name]).abs().max().item() / scale)
        print(f"{checkpoint}: largest difference {worst:.3g} of the tensor's largest value")
        if worst > tolerance:
            failures.append(f"{checkpoint} differs by {worst:.3g}")
    for failure in failures:
        print(f"FAIL: {a} and {b}: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
