#!/usr/bin/python3
"""Compares two tl_train/ft_train run folders trained on the same data with the same seed and
global batch, e.g. one process and two data-parallel ranks: history.csv's losses and
accuracies, the weights in best.pt and last.pt, and last.pt's RMSprop state, each tensor's
largest difference relative to its largest value. Prints the largest of each; exits 1 when
history or weights differ by more than TOLERANCE, or the RMSprop state by more than
STATE_TOLERANCE (its running averages of squared gradients double relative differences).

Usage: compare_runs.py RUN_A RUN_B [TOLERANCE [STATE_TOLERANCE]]   (defaults 1e-5, TOLERANCE)
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
    state_tolerance = float(sys.argv[4]) if len(sys.argv) > 4 else tolerance
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
        worst = {"weights": (0.0, ""), "RMSprop state": (0.0, "")}
        for name, value in ta.items():
            if name == "state":  # the loop's counters, equal or not
                continue
            group = "RMSprop state" if name.startswith("optimizer.") else "weights"
            scale = max(value.abs().max().item(), tb[name].abs().max().item(), 1e-12)
            difference = (value - tb[name]).abs().max().item() / scale
            worst[group] = max(worst[group], (difference, name))
        for group, limit in (("weights", tolerance), ("RMSprop state", state_tolerance)):
            difference, name = worst[group]
            if not name:
                continue
            print(f"{checkpoint} {group}: largest difference {difference:.3g} of the tensor's "
                  f"largest value ({name})")
            if difference > limit:
                failures.append(f"{checkpoint} {group} differ by {difference:.3g} ({name})")
    for failure in failures:
        print(f"FAIL: {a} and {b}: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
