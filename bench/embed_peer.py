"""The PyTorch peer of `embed` for bench/embed_bench.sh: the same forward pass (torchvision
model, random weights, inference mode, global average pooling) on random images.

Usage: embed_peer.py MODEL SIZE IMAGES BATCH [DEVICE]
DEVICE: cpu (the default); cpu_channels_last (float32 in channels-last memory format, model
and inputs); cpu_bf16_channels_last (torch.autocast("cpu", torch.bfloat16) in channels-last:
the fastest a PyTorch user gets on a CPU with AVX512-BF16); cuda (torch.autocast float16, as
embed --device cuda runs); or
cuda_channels_last (the same in channels-last memory format with cudnn.benchmark, what a
demanding PyTorch user runs on a GPU). On the GPU the images are made there, so the peer skips
the decoding and copying that embed's figure includes.
MODEL inception_v3 is the whole network (up to Mixed_7c, as embed runs it); inception_v3:Mixed_6c
(bench/embed_cut_bench.sh) runs torchvision's inception_v3 up to
Mixed_6c (Keras's mixed5: the stem with its two max pools, Mixed_5b..Mixed_6c) with the block
average pools excluding padding (count_include_pad=False), as Keras's and embed's do.
Prints "images/s: X". Like embed's own figure, the timing covers every batch, the first
one (oneDNN set-up) included.
"""
import os
import sys
import time
import types

import torch
import torchvision.models as tvm
import torchvision.models.inception as tv_inception


def inception_v3_cut(last):
    """torchvision's inception_v3 run up to its child `last`, Keras's block average pools."""
    # Its blocks call F.avg_pool2d(x, 3, stride=1, padding=1), counting the zero padding; give
    # that module (only) an avg_pool2d that does not, as Keras's AveragePooling2D('same').
    functional = torch.nn.functional
    tv_inception.F = types.SimpleNamespace(
        **{name: getattr(functional, name) for name in dir(functional) if not name.startswith("__")})
    tv_inception.F.avg_pool2d = lambda *args, **kwargs: functional.avg_pool2d(
        *args, **kwargs, count_include_pad=False)
    model = tvm.inception_v3(weights=None, aux_logits=False, init_weights=True).eval()
    children = []
    for name, child in model.named_children():  # in forward's order up to Mixed_7a
        children.append(child)
        if name == last:
            return torch.nn.Sequential(*children)
    raise SystemExit(f"no {last} in inception_v3")


def main(model_name, size, images, batch, device="cpu"):
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    if model_name.startswith("inception_v3:"):
        body = inception_v3_cut(model_name.split(":", 1)[1])
    elif model_name == "inception_v3":  # the whole network, as embed --model inception_v3
        body = inception_v3_cut("Mixed_7c")
    elif model_name.startswith(("vgg", "mobilenet")):
        body = getattr(tvm, model_name)(weights=None).eval().features
    else:  # resnet: everything before avgpool and fc
        body = torch.nn.Sequential(*list(getattr(tvm, model_name)(weights=None).eval().children())[:-2])
    inputs = torch.randn(batch, 3, size, size)
    cuda = device.startswith("cuda")
    cpu_bf16 = device == "cpu_bf16_channels_last"
    if cpu_bf16 or device == "cpu_channels_last":
        body, inputs = body.to(memory_format=torch.channels_last), inputs.contiguous(
            memory_format=torch.channels_last)
    if cuda:
        body, inputs = body.cuda(), inputs.cuda()
        if device == "cuda_channels_last":
            torch.backends.cudnn.benchmark = True
            body, inputs = body.to(memory_format=torch.channels_last), inputs.contiguous(
                memory_format=torch.channels_last)
    start = time.perf_counter()
    done = 0
    with torch.inference_mode(), torch.autocast("cuda", enabled=cuda), \
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16):
        while done < images:
            n = min(batch, images - done)
            body(inputs[:n]).mean((2, 3)).float().cpu()  # embed copies each batch's features back
            done += n
    print(f"images/s: {images / (time.perf_counter() - start):.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
         *(sys.argv[5:6] or ["cpu"]))
