#!/usr/bin/env bash
# Runs the reference comparison with Debian's python3, the one that has scikit-learn.
set -euo pipefail
exec /usr/bin/python3 "$PWD/lib/metrics/sklearn_reference_test.py" "$PWD/lib/metrics/metrics_cases"
