#!/usr/bin/env bash
# Runs augment_pil_test.py with the system Python (numpy and Pillow live there, not in the
# python3 that may come first on PATH).
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 augment_pil_test.py "$PWD/apply_steps_main"
