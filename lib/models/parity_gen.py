"""Writes torchvision models with random weights, a fixed input and their outputs, for
parity_check. Run by parity_test.sh with Debian's /usr/bin/python3 (torch 1.13,
torchvision 0.14); no network: weights=None and a fixed seed.

For each model NAME it writes NAME.safetensors (the state_dict; VGG's without its 400 MB
classifier, which parity_check skips) and NAME.io.safetensors (input, pooled features of the
last convolutional block, and logits). safetensors is written by hand (struct + json) so that
the test needs no extra package.

With --cuda (on a GPU machine, for tools/gpu/cuda_check.sh) it also writes torchvision's outputs
on the GPU: NAME_cuda in float32 with PyTorch's default settings (TF32 convolutions) and
NAME_cuda_amp under torch.autocast("cuda") (float16), as `parity_check --device cuda` expects.

Usage: parity_gen.py [--cuda] OUT_DIR
"""
import json
import struct
import sys

import torch
import torch.nn.functional as F
import torchvision.models as tvm

# Small inputs keep the test quick; Inception V3 needs at least 75 pixels.
MODELS = [
    ("vgg16", 64), ("vgg19", 64), ("resnet50", 64), ("resnet101", 64), ("resnet152", 64),
    ("resnext50_32x4d", 64), ("resnext101_32x8d", 64), ("densenet121", 64),
    ("densenet169", 64), ("densenet201", 64), ("mobilenet_v2", 64), ("inception_v3", 80),
]

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()  # little-endian on this machine
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def build(name):
    if name == "inception_v3":
        # timm's layout: no auxiliary classifier; [-1, 1] input, so no transform_input.
        return tvm.inception_v3(weights=None, aux_logits=False, init_weights=True)
    return getattr(tvm, name)(weights=None)


def last_block(model, name):
    if name.startswith(("vgg", "densenet", "mobilenet")):
        return model.features
    if name == "inception_v3":
        return model.Mixed_7c
    return model.layer4


def run(model, name, x):
    """Pooled features of the last convolutional block, and the logits."""
    captured = {}
    hook = last_block(model, name).register_forward_hook(
        lambda module, inputs, output: captured.update(maps=output))
    with torch.no_grad():
        logits = model(x)
    hook.remove()
    maps = captured["maps"]
    if name.startswith("densenet"):
        maps = F.relu(maps)  # torchvision applies it after `features`, before pooling
    return maps.mean((2, 3)).float().cpu(), logits.float().cpu()


def main(out_dir, cuda):
    for name, side in MODELS:
        torch.manual_seed(0)
        model = build(name)
        bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        with torch.no_grad():
            # Non-default BatchNorm statistics and affine terms: a loader that skipped the
            # buffers would fail, and activations keep a sane scale through deep nets.
            for bn in bns:
                bn.momentum = None  # running stats = this batch's (cumulative average)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.normal_(0.0, 0.1)
            model.train()
            model(torch.randn(4, 3, side, side))
            for bn in bns:
                bn.momentum = 0.1
        model.eval()
        x = torch.randn(2, 3, side, side)
        features, logits = run(model, name, x)
        io = {"input": x, "features": features}
        state = model.state_dict()
        if name.startswith("vgg"):
            state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
        else:
            io["logits"] = logits
        if cuda:
            model.cuda()
            io["features_cuda"], io["logits_cuda"] = run(model, name, x.cuda())
            with torch.autocast("cuda"):
                io["features_cuda_amp"], io["logits_cuda_amp"] = run(model, name, x.cuda())
            if name.startswith("vgg"):
                del io["logits_cuda"], io["logits_cuda_amp"]
            model.cpu()
        write_safetensors(f"{out_dir}/{name}.safetensors", state)
        write_safetensors(f"{out_dir}/{name}.io.safetensors", io)
        print(name, "written", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    cuda = args[:1] == ["--cuda"]
    if len(args) != 1 + cuda:
        sys.exit(__doc__)
    main(args[-1], cuda)
