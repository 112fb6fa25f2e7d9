#!/usr/bin/python3
"""Writes N deterministic test images as raw little-endian float32 NHWC RGB, values in [0, 255].

    /usr/bin/python3 tools/weights/make_parity_inputs.py OUT_FILE --n 3 --size 299 [--width W] [--seed 0]

Natural-looking, different per image: a smooth colour gradient at a per-image angle, a few soft
Gaussian blobs of different colours and sizes, a low-frequency sinusoidal texture and a little
smoothed noise, clipped to [0, 255]. Same arguments, same bytes (numpy's PCG64 with the seed;
no dependency on the thread count). Input for tools/weights/tfjs_reference.js --input.
numpy only (Debian's python3-numpy: run it with /usr/bin/python3).
"""
import argparse
import os
import sys

import numpy as np


def make_image(rng, h, w):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    y /= max(h - 1, 1)
    x /= max(w - 1, 1)
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * x + np.sin(angle) * y)
    t = (t - t.min()) / max(t.max() - t.min(), 1e-9)
    c0, c1 = rng.uniform(20, 235, 3), rng.uniform(20, 235, 3)
    img = c0 + (c1 - c0) * t[..., None]
    for _ in range(rng.integers(3, 7)):
        cy, cx = rng.uniform(0, 1, 2)
        sigma = rng.uniform(0.05, 0.25)
        weight = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma ** 2))
        img += rng.uniform(-110, 110, 3) * weight[..., None]
    fy, fx = rng.uniform(3, 18, 2)
    phase = rng.uniform(0, 2 * np.pi, 3)
    texture = np.sin(2 * np.pi * (fy * y + fx * x)[..., None] + phase)
    img += rng.uniform(5, 20) * texture
    # A little noise, box-smoothed in both directions so it reads as grain, not static.
    noise = rng.normal(0, 1, (h + 2, w + 2, 3))
    noise = (noise[:-2] + noise[1:-1] + noise[2:]) / 3
    noise = (noise[:, :-2] + noise[:, 1:-1] + noise[:, 2:]) / 3
    img += rng.uniform(4, 12) * noise
    return np.clip(img, 0, 255)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--n", type=int, default=3)
    p.add_argument("--size", type=int, default=224, help="height (and width unless --width)")
    p.add_argument("--width", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    h, w = a.size, a.width or a.size
    if a.n <= 0 or h <= 0 or w <= 0:
        sys.exit("make_parity_inputs: --n, --size and --width must be positive")
    rng = np.random.Generator(np.random.PCG64(a.seed))
    images = np.stack([make_image(rng, h, w) for _ in range(a.n)]).astype("<f4")
    tmp = f"{a.out}.tmp{os.getpid()}"
    images.tofile(tmp)
    os.replace(tmp, a.out)
    print(f"make_parity_inputs: wrote {a.out}: {a.n},{h},{w},3 float32, "
          f"mean {images.mean():.1f}, min {images.min():.1f}, max {images.max():.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
