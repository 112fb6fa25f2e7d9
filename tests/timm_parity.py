#!/usr/bin/env python3
"""Parity of our C++ backbones with timm for the models torchvision lacks (issue 7).

Needs PyTorch and timm (not in Debian, so not on this project's build machine; a GPU
machine with both, or `pip install timm` in a virtual environment, will do). Runs on the CPU.

    bazel build //lib/models:parity_check
    python3 tests/timm_parity.py                      # every model below, small inputs
    python3 tests/timm_parity.py --models xception --full_size

For each model it builds timm's definition with a fixed seed and random weights (no download:
pretrained=False), gives its BatchNorm layers non-default statistics and affine terms (as
lib/models/parity_gen.py does for torchvision), records a fixed input, the pooled output of
forward_features and the logits, and writes DIR/NAME.safetensors (the state_dict, keys as timm
writes them) and DIR/NAME.io.safetensors. Then it runs parity_check on them, which loads the
weights through our registry (every key must match, the classifier included) and passes when
max |ours - timm| <= 1e-4 x max |timm| for features and logits. Exit status: parity_check's.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch

# Our registry name -> timm's model name, and the smallest input side worth testing quickly
# (Inception-ResNet-v2 needs 75 pixels to keep its reductions' grids non-empty).
MODELS = {
    "xception": ("legacy_xception", 64),
    "resnet50v2": ("resnetv2_50", 64),
    "resnet101v2": ("resnetv2_101", 64),
    "resnet152v2": ("resnetv2_152", 64),
    "inception_resnet_v2": ("inception_resnet_v2", 80),
}
FULL_SIZE = {"xception": 299, "inception_resnet_v2": 299}  # the others: 224

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# lib/models/parity_gen.py's safetensors writer: one writer for every parity flow.
sys.path.insert(0, os.path.join(ROOT, "lib", "models"))
import parity_gen  # noqa: E402  (found through the path above)


def write_model(timm, name, timm_name, side, out_dir):
    torch.manual_seed(0)
    model = timm.create_model(timm_name, pretrained=False)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        # Non-default statistics (a loader that skipped buffers would fail) and affine terms.
        for bn in bns:
            bn.momentum = None
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.1)
        model.train()
        model(torch.randn(4, 3, side, side))
        for bn in bns:
            bn.momentum = 0.1
    model.eval()
    x = torch.randn(2, 3, side, side)
    with torch.no_grad():
        features = model.forward_features(x).mean((2, 3))
        logits = model(x)
    parity_gen.write_safetensors(f"{out_dir}/{name}.safetensors", model.state_dict())
    parity_gen.write_safetensors(f"{out_dir}/{name}.io.safetensors",
                          {"input": x, "features": features, "logits": logits})
    print(f"{name}: timm {timm_name} at {side}x{side} written", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--full_size", action="store_true",
                        help="each model's default input size instead of a small one")
    parser.add_argument("--out", default="", help="folder for the files (default: a temporary one)")
    parser.add_argument("--check", default=os.path.join(ROOT, "bazel-bin/lib/models/parity_check"),
                        help="the parity_check binary (bazel build //lib/models:parity_check)")
    args = parser.parse_args()
    try:
        import timm  # pylint: disable=import-outside-toplevel
    except ImportError:
        sys.exit("timm_parity.py: timm is not installed here (pip install timm); nothing run")
    if not os.access(args.check, os.X_OK):
        sys.exit(f"timm_parity.py: no {args.check}; run bazel build //lib/models:parity_check")
    out_dir = args.out or tempfile.mkdtemp(prefix="timm_parity_")
    os.makedirs(out_dir, exist_ok=True)
    print(f"timm {timm.__version__}, torch {torch.__version__}, files in {out_dir}", flush=True)
    for name in args.models:
        timm_name, side = MODELS[name]
        if args.full_size:
            side = FULL_SIZE.get(name, 224)
        write_model(timm, name, timm_name, side, out_dir)
    return subprocess.call([args.check, out_dir] + args.models)


if __name__ == "__main__":
    sys.exit(main())
