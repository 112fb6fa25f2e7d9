"""The paper's ROI steps written independently with OpenCV-Python: roicrop's reference and peer.

  roicrop_reference.py run CASES OUT [--context C] [--keep_aspect] [--no_denoise]
      reads CASES/ID.image.png and CASES/ID.mask.png, writes OUT/ID.png for each kept ROI
      and OUT/rejects.tsv (id, reason); prints the processing seconds, wall and CPU (all
      threads), imports excluded.
  roicrop_reference.py compare OURS REF
      checks that OURS/ID.png (shardcat --extract of roicrop's output) and REF/ID.png hold
      the same ids and pixels; prints the largest absolute difference.
"""
import glob
import os
import sys
import time

import cv2
import numpy as np

SIZE, PAD = 320, 4
MIN_ASPECT, MAX_ASPECT = 0.4, 1.5


def roi(image, mask, context, keep_aspect, denoise):
    """Returns (pixels, None) or (None, reason)."""
    if mask is None:
        return None, "no_mask"
    if mask.shape != image.shape:
        return None, "mask_size_mismatch"
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return None, "empty_mask"
    if "." in context:
        mx, my = float(context) * w, float(context) * h
    else:
        mx = my = int(context)
    # Round half away from zero, like C's llround (Python's round() rounds half to even).
    mx, my = int(np.floor(mx + 0.5)), int(np.floor(my + 0.5))
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(image.shape[1], x + w + mx), min(image.shape[0], y + h + my)
    w, h = x1 - x0, y1 - y0
    r = w / h
    if r < MIN_ASPECT:
        return None, "aspect_below_min"
    if r > MAX_ASPECT:
        return None, "aspect_above_max"
    crop = image[y0:y1, x0:x1]
    if crop.min() == crop.max():
        return None, "flat_roi"
    crop = cv2.normalize(crop, None, 0, 255, cv2.NORM_MINMAX, cv2.CV_8U)
    if keep_aspect:
        side = max(w, h)
        top, left = (side - h) // 2, (side - w) // 2
        crop = cv2.copyMakeBorder(crop, top, side - h - top, left, side - w - left,
                                  cv2.BORDER_CONSTANT, value=0)
    target = SIZE + 2 * PAD
    grows = crop.shape[0] <= target and crop.shape[1] <= target
    resized = cv2.resize(crop, (target, target),
                         interpolation=cv2.INTER_CUBIC if grows else cv2.INTER_AREA)
    off = (target - SIZE) // 2
    centre = np.ascontiguousarray(resized[off:off + SIZE, off:off + SIZE])
    if denoise:
        centre = cv2.fastNlMeansDenoising(centre, None, 3, 7, 21)
    return centre, None


def run(cases, out, context, keep_aspect, denoise):
    os.makedirs(out, exist_ok=True)
    ids = sorted(os.path.basename(p)[:-len(".image.png")]
                 for p in glob.glob(os.path.join(cases, "*.image.png")))
    start, start_cpu = time.perf_counter(), time.process_time()
    rejects = []
    for i in ids:
        with open(os.path.join(cases, i + ".image.png"), "rb") as f:
            image = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_UNCHANGED)
        mask_path = os.path.join(cases, i + ".mask.png")
        mask = None
        if os.path.exists(mask_path):
            with open(mask_path, "rb") as f:
                mask = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_UNCHANGED)
        pixels, reason = roi(image, mask, context, keep_aspect, denoise)
        if reason:
            rejects.append(f"{i}\t{reason}\n")
            continue
        ok, png = cv2.imencode(".png", pixels)
        assert ok, i
        with open(os.path.join(out, i + ".png"), "wb") as f:
            f.write(png.tobytes())
    with open(os.path.join(out, "rejects.tsv"), "w") as f:
        f.writelines(rejects)
    print(f"{time.perf_counter() - start:.6f} {time.process_time() - start_cpu:.6f}")


def compare(ours, ref):
    def pngs(d):
        return sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "*.png")))
    if pngs(ours) != pngs(ref):
        sys.exit(f"FAIL: ROI sets differ: ours {pngs(ours)}, reference {pngs(ref)}")
    worst = 0
    for name in pngs(ours):
        a = cv2.imread(os.path.join(ours, name), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(os.path.join(ref, name), cv2.IMREAD_UNCHANGED)
        if a.shape != b.shape or a.dtype != b.dtype:
            sys.exit(f"FAIL: {name}: ours {a.shape} {a.dtype}, reference {b.shape} {b.dtype}")
        diff = int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())
        worst = max(worst, diff)
        if diff > 0:
            print(f"{name}: max abs diff {diff}")
    print(f"{len(pngs(ours))} ROIs compared, max abs diff {worst}")
    # Both sides call the same Debian OpenCV functions with the same arguments in the same
    # order, so anything but 0 is a divergence in the steps, not rounding.
    if worst != 0:
        sys.exit("FAIL: pixels differ")


def main(argv):
    if len(argv) >= 3 and argv[0] == "run":
        context = "0"
        if "--context" in argv:
            context = argv[argv.index("--context") + 1]
        run(argv[1], argv[2], context, "--keep_aspect" in argv, "--no_denoise" not in argv)
    elif len(argv) == 3 and argv[0] == "compare":
        compare(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
