"""The PyTorch peer of ft_train for bench/ft_train_bench.sh: eager fine tuning of vgg16 from
Keras layer gamma 10 (block3_pool), as ft_train --gamma 10 does it.

Same model: torchvision vgg16 `features` (random weights); features[:16] (Keras layers 1-9,
blocks 1-3's convolutions) frozen and run under no_grad; features[16:] trainable; global
average pooling; the paper's FT head Dropout 0.2 -> Dense 1; binary cross-entropy on logits;
RMSprop lr 2e-7 (alpha 0.9, eps 1e-7) on the trainable parameters; then a validation pass.
Favouring the peer: images decoded and resized before the clock starts (ours decodes PNG
records per batch).

Usage: ft_train_peer.py SIZE TRAIN VALID BATCH THREADS [PRECISION [EPOCHS]]
PRECISION bf16: the forward passes under torch.autocast("cpu", torch.bfloat16), model and
images in channels-last (what a PyTorch user runs on a CPU with AVX512-BF16); default fp32.
Prints "images_per_second: X" over EPOCHS epochs (default 1): EPOCHS x (TRAIN + VALID) images
over their seconds, the figure ft_train's history.csv (and prefix-cache line) give.
"""
import sys
import time

import torch
import torchvision.models as tvm


def vgg16_from_gamma10():
    """torchvision's vgg16 `features` (random weights) cut where ft_train --gamma 10 cuts it:
    the frozen features[:16] (Keras layers 1-9) and the trainable rest, and the FT head."""
    features = tvm.vgg16(weights=None).features
    frozen, trainable = features[:16], features[16:]
    for p in frozen.parameters():
        p.requires_grad_(False)
    head = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(512, 1))
    return features, frozen, trainable, head


def grey_images(n, size):
    """n random grey images [n, 3, size, size] (three equal channels), labels alternating."""
    return (torch.rand(n, 1, size, size).expand(-1, 3, -1, -1).contiguous(),
            (torch.arange(n) % 2).float())


def main(size, n_train, n_valid, batch, threads, precision="fp32", epochs="1"):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    features, frozen, trainable, head = vgg16_from_gamma10()
    params = list(trainable.parameters()) + list(head.parameters())
    optimizer = torch.optim.RMSprop(params, lr=2e-7, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x_train, y_train = grey_images(n_train, size)
    x_valid, y_valid = grey_images(n_valid, size)

    bf16 = precision == "bf16"
    if bf16:
        features = features.to(memory_format=torch.channels_last)
        x_train = x_train.contiguous(memory_format=torch.channels_last)
        x_valid = x_valid.contiguous(memory_format=torch.channels_last)

    def forward(x):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            with torch.no_grad():
                x = frozen(x)
            return head(trainable(x).mean((2, 3))).squeeze(1).float()

    start = time.perf_counter()
    for _ in range(int(epochs)):
        frozen.eval()
        trainable.train()
        head.train()
        order = torch.randperm(n_train)
        for begin in range(0, n_train, batch):
            rows = order[begin:begin + batch]
            optimizer.zero_grad()
            loss = loss_fn(forward(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
        trainable.eval()
        head.eval()
        with torch.no_grad():
            logits = torch.cat([forward(x_valid[b:b + batch]) for b in range(0, n_valid, batch)])
            loss_fn(logits, y_valid).item()
    seconds = time.perf_counter() - start
    print(f"images_per_second: {int(epochs) * (n_train + n_valid) / seconds:.3f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:6]), *sys.argv[6:8])
