"""A small Python peer of Augmentor 0.2.x's Table 5 pipeline, written with PIL the way
Augmentor's Operations.py does it (../shared/spec/augmentor.md): the reference that
augment_pil_test compares against and that bench/augment_bench times.

As a program (the benchmark's peer):
  augmentor_peer.py --input DIR --samples N --output FILE [--seed S]
loads every DIR/*.png, runs Pipeline.sample(N)'s loop (sources drawn with replacement, each
operation with round(uniform(0,1),1) <= p), encodes each result as PNG into FILE (one
after another, as shard writing does) and prints the seconds spent, sources loading included.
"""
import argparse
import glob
import io
import math
import random
import sys
import time

from PIL import Image, ImageEnhance, ImageOps


def rotate(image, angle):
    x, y = image.size
    image = image.rotate(angle, expand=True, resample=Image.BICUBIC)
    X, Y = image.size
    a = math.radians(abs(angle))
    b = math.radians(90 - abs(angle))
    E = (math.sin(a) / math.sin(b)) * (Y - X * (math.sin(a) / math.sin(b)))
    E = E / 1 - (math.sin(a) ** 2 / math.sin(b) ** 2)  # Augmentor's precedence, kept
    B = X - E
    A = (math.sin(a) / math.sin(b)) * B
    image = image.crop((int(round(E)), int(round(A)), int(round(X - E)), int(round(Y - A))))
    return image.resize((x, y), resample=Image.BICUBIC)


def shear(image, angle, direction):
    width, height = image.size
    phi = math.tan(math.radians(angle))
    if direction == "x":
        shift = phi * height
        shift = math.ceil(shift) if shift > 0 else math.floor(shift)
        offset = shift
        if angle <= 0:
            shift, offset, phi = abs(shift), 0, -abs(phi)
        image = image.transform((int(round(width + shift)), height), Image.AFFINE,
                                (1, phi, -offset, 0, 1, 0), Image.BICUBIC)
        image = image.crop((abs(shift), 0, width, height))
    else:
        shift = phi * width
        shift = math.ceil(shift) if shift > 0 else math.floor(shift)
        offset = shift
        if angle <= 0:
            shift, offset, phi = abs(shift), 0, -abs(phi)
        image = image.transform((width, int(round(height + shift))), Image.AFFINE,
                                (1, 0, 0, phi, 1, -offset), Image.BICUBIC)
        image = image.crop((0, abs(shift), width, height))
    return image.resize((width, height), resample=Image.BICUBIC)


def equalize(image):
    return ImageOps.equalize(image)


def flip(image):
    return image.transpose(Image.FLIP_LEFT_RIGHT)


def brightness(image, factor):
    return ImageEnhance.Brightness(image).enhance(factor)


def zoom(image, factor):
    w, h = image.size
    zoomed = image.resize((int(round(w * factor)), int(round(h * factor))), resample=Image.BICUBIC)
    wz, hz = zoomed.size
    return zoomed.crop((math.floor(wz / 2 - w / 2), math.floor(hz / 2 - h / 2),
                        math.floor(wz / 2 + w / 2), math.floor(hz / 2 + h / 2)))


def apply_step(image, step):
    """step as augment's provenance writes it: 'rotate=-7', 'shear=x:12', 'flip=1', ..."""
    name, _, value = step.partition("=")
    if name == "rotate":
        return rotate(image, float(value))
    if name == "shear":
        direction, _, angle = value.partition(":")
        return shear(image, float(angle), direction)
    if name == "equalize":
        return equalize(image)
    if name == "flip":
        return flip(image)
    if name == "brightness":
        return brightness(image, float(value))
    if name == "zoom":
        return zoom(image, float(value))
    raise ValueError("unknown step " + step)


def table5(image, rng):
    """One image through Table 5 with Augmentor's draws."""
    def runs(p):
        return round(rng.uniform(0, 1), 1) <= p
    if runs(0.95):
        left, right = rng.randint(-15, 0), rng.randint(0, 15)
        image = rotate(image, left if rng.randint(0, 1) == 0 else right)
    if runs(0.6):
        angle = int(rng.uniform(-25 - 1, 25 + 1))
        if angle != -1:
            angle += 1
        image = shear(image, angle, rng.choice(["x", "y"]))
    if runs(0.6):
        image = equalize(image)
    if runs(0.7):
        image = flip(image)
    if runs(0.8):
        image = brightness(image, rng.uniform(0.6, 1.2))
    if runs(1.0):
        image = zoom(image, round(rng.uniform(1.0, 1.2), 2))
    return image


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--samples", type=int, required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    sources = []
    for path in sorted(glob.glob(args.input + "/*.png")):
        with Image.open(path) as image:
            sources.append(image.copy())
    if not sources:
        sys.exit("augmentor_peer.py: no PNG files in " + args.input)
    rng = random.Random(args.seed)
    with open(args.output, "wb") as out:
        for _ in range(args.samples):
            buffer = io.BytesIO()
            table5(rng.choice(sources), rng).save(buffer, format="PNG")
            out.write(buffer.getvalue())
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main()
