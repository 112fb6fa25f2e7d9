"""The PyTorch peer of `embed` for bench/embed_bench.sh: the same forward pass (torchvision
model, random weights, inference mode, global average pooling) on random images.

Usage: embed_peer.py MODEL SIZE IMAGES BATCH
Prints "images/s: X". Like embed's own figure, the timing covers every batch, the first
one (oneDNN set-up) included.
"""
import os
import sys
import time

import torch
import torchvision.models as tvm


def main(model_name, size, images, batch):
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    model = getattr(tvm, model_name)(weights=None).eval()
    body = model.features if model_name.startswith(("vgg", "mobilenet")) else torch.nn.Sequential(
        *list(model.children())[:-2])  # resnet: everything before avgpool and fc
    inputs = torch.randn(batch, 3, size, size)
    start = time.perf_counter()
    done = 0
    with torch.inference_mode():
        while done < images:
            n = min(batch, images - done)
            body(inputs[:n]).mean((2, 3))
            done += n
    print(f"images/s: {images / (time.perf_counter() - start):.3f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
