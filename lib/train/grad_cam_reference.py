"""Grad-CAM computed in PyTorch, the reference for grad_cam_test's numerics.

Writes into OUT_DIR, for a torchvision VGG16 with random weights (seeded, no network) and a
head on its pooled features shaped as lib/train/head.h's (dense1, ReLU, logit):
  vgg16.safetensors  the backbone's state_dict (features only)
  head.safetensors   dense1.weight, dense1.bias, logit.weight, logit.bias
  io.safetensors     input [3, 96, 96], and map_<cut> [80, 100] for each cut (the number of
                     leading `features` modules whose output Grad-CAM reads), and
                     map_<cut>_bf16 computed under torch.autocast("cpu", bfloat16)
Grad-CAM as Selvaraju et al.: channel weights the spatial means of d logit / dA, ReLU of the
weighted sum, bilinear upsampling (align_corners=False), min-max scaling to [0, 1].

Usage: grad_cam_reference.py PARITY_GEN_DIR OUT_DIR (parity_gen.py's folder, for its
safetensors writer)
"""
import sys

import torch
import torch.nn.functional as F
import torchvision.models as tvm

HEIGHT, WIDTH = 80, 100
CUTS = (31, 24)  # after block5_pool (the head's layer), after block4_pool


def grad_cam(features, head, x, cut):
    activation = features[:cut](x).detach().requires_grad_(True)
    logit = head(features[cut:](activation).mean((2, 3))).sum()
    (gradient,) = torch.autograd.grad(logit, activation)
    weights = gradient.mean((2, 3), keepdim=True)
    cam = F.relu((weights * activation).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)[0, 0]
    low, high = cam.min(), cam.max()
    return (cam - low) / (high - low)


def main(parity_gen_dir, out_dir):
    sys.path.insert(0, parity_gen_dir)
    from parity_gen import write_safetensors

    torch.manual_seed(0)
    features = tvm.vgg16(weights=None).features.eval()
    head = torch.nn.Sequential(torch.nn.Linear(512, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    x = torch.randn(1, 3, 96, 96)
    io = {"input": x[0]}
    for cut in CUTS:
        io[f"map_{cut}"] = grad_cam(features, head, x, cut).detach()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            io[f"map_{cut}_bf16"] = grad_cam(features, head, x, cut).detach().float()
    write_safetensors(f"{out_dir}/vgg16.safetensors",
                      {f"features.{k}": v for k, v in features.state_dict().items()})
    write_safetensors(f"{out_dir}/head.safetensors",
                      {"dense1.weight": head[0].weight, "dense1.bias": head[0].bias,
                       "logit.weight": head[2].weight, "logit.bias": head[2].bias})
    write_safetensors(f"{out_dir}/io.safetensors", io)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
