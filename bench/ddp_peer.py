"""The PyTorch DistributedDataParallel peer of data-parallel ft_train for bench/ddp_bench.sh:
bench/ft_train_peer.py's model, images and step (vgg16 from Keras layer gamma 10, the frozen prefix
under no_grad outside DDP, the trainable rest and the FT head wrapped in DDP with Gloo), on
RANKS processes started by torch.multiprocessing, each taking its contiguous part of every
global batch of the same permutation, then a validation pass split the same way.

Favouring the peer: images decoded and resized before the clock starts.

Usage: ddp_peer.py SIZE TRAIN VALID BATCH RANKS THREADS_PER_RANK EPOCHS
Prints "images_per_second: X": EPOCHS x (TRAIN + VALID) images over rank 0's seconds.
"""
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ft_train_peer import grey_images, vgg16_from_gamma10


def part(rows, rank, ranks):
    """Rank `rank`'s contiguous part of `rows`, sizes differing by at most one."""
    n = len(rows)
    return rows[n * rank // ranks:n * (rank + 1) // ranks]


class Suffix(torch.nn.Module):
    """The trained part: vgg16's blocks 4-5, global average pooling and the FT head."""

    def __init__(self, trainable, head):
        super().__init__()
        self.trainable = trainable
        self.head = head

    def forward(self, x):
        return self.head(self.trainable(x).mean((2, 3))).squeeze(1)


def run(rank, ranks, port, size, n_train, n_valid, batch, threads, epochs, queue):
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=ranks)
    torch.manual_seed(0)
    _, frozen, trainable, head = vgg16_from_gamma10()
    model = torch.nn.parallel.DistributedDataParallel(Suffix(trainable, head))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=2e-7, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x_train, y_train = grey_images(n_train, size)
    x_valid, y_valid = grey_images(n_valid, size)

    def forward(x):
        with torch.no_grad():
            x = frozen(x)
        return model(x)

    dist.barrier()
    start = time.perf_counter()
    for _ in range(epochs):
        frozen.eval()
        model.train()
        order = torch.randperm(n_train, generator=torch.Generator().manual_seed(1))
        for begin in range(0, n_train, batch):
            rows = part(order[begin:begin + batch], rank, ranks)
            optimizer.zero_grad()
            # Each rank's mean over its rows; DDP averages the gradients over the ranks.
            loss = loss_fn(forward(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            rows = part(torch.arange(n_valid), rank, ranks)
            logits = torch.cat([forward(x_valid[rows[b:b + batch]])
                                for b in range(0, len(rows), batch)])
            total = torch.stack([loss_fn(logits, y_valid[rows]) * len(rows)])
            dist.all_reduce(total)
    seconds = time.perf_counter() - start
    if rank == 0:
        queue.put(epochs * (n_train + n_valid) / seconds)
    # Both ranks leave together: a rank that tore its group down while the other still used
    # it left that one waiting for ever in some runs (2 of 3 benchmark starts on 2026-12-05).
    dist.barrier()
    dist.destroy_process_group()


def main(size, n_train, n_valid, batch, ranks, threads, epochs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    queue = mp.get_context("spawn").SimpleQueue()
    mp.spawn(run, args=(ranks, port, size, n_train, n_valid, batch, threads, epochs, queue),
             nprocs=ranks)
    print(f"images_per_second: {queue.get():.3f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:8]))
