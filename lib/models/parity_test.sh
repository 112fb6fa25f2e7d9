#!/usr/bin/env bash
# Parity with torchvision: Debian's python3-torchvision builds each model with a fixed seed
# and random weights (no network), and our C++ modules must reproduce its outputs from the
# same weights. /usr/bin/python3 explicitly: the python3 on PATH may lack torch.
set -euo pipefail
dir="${TEST_TMPDIR:-$(mktemp -d)}/parity"
mkdir -p "$dir"
/usr/bin/python3 lib/models/parity_gen.py "$dir"
lib/models/parity_check "$dir" vgg16 vgg19 resnet50 resnet101 resnet152 resnext50_32x4d \
  resnext101_32x8d densenet121 densenet169 densenet201 mobilenet_v2 inception_v3
