"""The PyTorch peer of tl_train for bench/tl_train_bench.sh: the paper's Keras way of
transfer learning, the frozen backbone run on every image every epoch.

Same model as ours: torchvision vgg16 `features` (random weights, frozen, inference mode),
global average pooling, the head Dense 4096 ReLU -> Dropout 0.2 -> Dense 1, binary
cross-entropy on logits, RMSprop lr 1e-5 (alpha = rho 0.9, eps 1e-7), batch 32, shuffled each
epoch, then a validation pass. Favouring the peer: the images are decoded, resized and
normalised once, before the clock starts (ours decodes PNG records inside `embed`).

Usage: tl_train_peer.py SIZE TRAIN VALID EPOCHS THREADS
Prints "seconds_per_epoch: X" (the mean over EPOCHS full epochs) and nothing is extrapolated
here: the caller multiplies by 100 and says so.
"""
import sys
import time

import torch
import torchvision.models as tvm


def main(size, n_train, n_valid, epochs, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    backbone = tvm.vgg16(weights=None).features.eval()
    for p in backbone.parameters():
        p.requires_grad_(False)
    head = torch.nn.Sequential(torch.nn.Linear(512, 4096), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                               torch.nn.Linear(4096, 1))
    optimizer = torch.optim.RMSprop(head.parameters(), lr=1e-5, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    # Grey ROIs replicated to three channels, as ours does.
    x_train = torch.rand(n_train, 1, size, size).expand(-1, 3, -1, -1).contiguous()
    y_train = (torch.arange(n_train) % 2).float()
    x_valid = torch.rand(n_valid, 1, size, size).expand(-1, 3, -1, -1).contiguous()
    y_valid = (torch.arange(n_valid) % 2).float()
    batch = 32

    def features(x):
        with torch.inference_mode():
            f = backbone(x).mean((2, 3))
        return f.clone()  # an ordinary tensor for the head's autograd

    start = time.perf_counter()
    for _ in range(epochs):
        head.train()
        order = torch.randperm(n_train)
        for begin in range(0, n_train, batch):
            rows = order[begin:begin + batch]
            optimizer.zero_grad()
            loss = loss_fn(head(features(x_train[rows])).squeeze(1), y_train[rows])
            loss.backward()
            optimizer.step()
        head.eval()
        with torch.no_grad():
            logits = torch.cat([head(features(x_valid[b:b + batch])).squeeze(1)
                                for b in range(0, n_valid, batch)])
            loss_fn(logits, y_valid).item()
    print(f"seconds_per_epoch: {(time.perf_counter() - start) / epochs:.3f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:6]))
