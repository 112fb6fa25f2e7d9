"""Parity of our NASNet-Large (lib/models/nasnet.cc) with timm's `nasnetalarge`.

Where PyTorch and timm are installed (timm is not a Debian package; a machine with
`pip install timm`, or timm's source tree on PYTHONPATH, works):

    bazel build //lib/models:parity_check
    python3 tests/nasnet_parity.py [--parity_check bazel-bin/lib/models/parity_check] [--out DIR]

For each input side (331, the default, and 224: together they halve odd and even sides at
every stride-2 stage, where timm's TF-'SAME' padding is asymmetric) it builds timm's
nasnetalarge with random weights and a fixed seed (no download), gives every BatchNorm
non-default statistics and affine terms, writes the state_dict as DIR/SIDE/nasnet_large.safetensors
and the input, pooled features (forward_features, i.e. after the final ReLU, averaged) and
logits as nasnet_large.io.safetensors, then runs parity_check, which loads the weights into
our module and compares (max |diff| <= 1e-4 * max |timm|). Exit status 0 when both pass.

NASNet-Mobile has no timm model (its weights are Keras's), so it is not compared here.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# lib/models/parity_gen.py's safetensors writer: one writer for every parity flow.
sys.path.insert(0, os.path.join(ROOT, "lib", "models"))
import parity_gen  # noqa: E402  (found through the path above)


write_safetensors = parity_gen.write_safetensors


def build(seed, side):
    import timm  # imported here so that --help works without it

    torch.manual_seed(seed)
    model = timm.create_model("nasnetalarge", pretrained=False, num_classes=1000)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.1)
            bn.momentum = None  # running statistics = this batch's
        model.train()
        model(torch.randn(2, 3, side, side))
        for bn in bns:
            bn.momentum = 0.1
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parity_check", default="bazel-bin/lib/models/parity_check")
    parser.add_argument("--out", default="", help="folder for the files (default: a temporary one)")
    parser.add_argument("--sides", default="331,224")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="nasnet_parity.")
    ok = True
    for side in (int(s) for s in args.sides.split(",")):
        folder = os.path.join(out, str(side))
        os.makedirs(folder, exist_ok=True)
        model = build(args.seed, side)
        x = torch.randn(2, 3, side, side)
        with torch.no_grad():
            features = model.forward_features(x)
            logits = model.forward_head(features)
        write_safetensors(os.path.join(folder, "nasnet_large.safetensors"), model.state_dict())
        write_safetensors(os.path.join(folder, "nasnet_large.io.safetensors"),
                          {"input": x, "features": features.mean((2, 3)), "logits": logits})
        print(f"side {side}: timm features {tuple(features.shape)}, written to {folder}", flush=True)
        result = subprocess.run([args.parity_check, folder, "nasnet_large"])
        ok = ok and result.returncode == 0
    print("nasnet parity:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
