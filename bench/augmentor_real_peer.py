"""Augmentor itself running the paper's Table 5 pipeline: the peer bench/augment_bench times
against augment when AUGMENTOR_SRC names a copy of Augmentor's source (the folder that holds
its Augmentor/ package; its own dependencies, Pillow, NumPy and tqdm, are Debian packages).

  AUGMENTOR_SRC=DIR augmentor_real_peer.py --input DIR --samples N --output DIR

Builds Pipeline(DIR) with Table 5's operations and probabilities (../shared/spec/augmentor.md),
runs Pipeline.sample(N) as a user does (its own thread pool, PNG files written to --output) and
prints the seconds spent, the scan of the sources included, on stdout. Nothing of Augmentor is
part of this project: it is imported from AUGMENTOR_SRC at run time, read only.
"""
import argparse
import contextlib
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="folder of source PNG images")
    parser.add_argument("--samples", type=int, required=True, help="images to generate")
    parser.add_argument("--output", required=True, help="folder Augmentor writes its PNGs to")
    args = parser.parse_args()
    source = os.environ.get("AUGMENTOR_SRC", "")
    if not os.path.isfile(os.path.join(source, "Augmentor", "Pipeline.py")):
        sys.exit("augmentor_real_peer: AUGMENTOR_SRC=%r holds no Augmentor/Pipeline.py" % source)
    sys.path.insert(0, source)
    import Augmentor  # pylint: disable=import-outside-toplevel

    start = time.perf_counter()
    # Augmentor prints its progress to stdout; the seconds are this program's only stdout.
    with contextlib.redirect_stdout(sys.stderr):
        pipeline = Augmentor.Pipeline(args.input, output_directory=os.path.abspath(args.output))
        pipeline.rotate(probability=0.95, max_left_rotation=15, max_right_rotation=15)
        pipeline.shear(probability=0.6, max_shear_left=25, max_shear_right=25)
        pipeline.histogram_equalisation(probability=0.6)
        pipeline.flip_left_right(probability=0.7)
        pipeline.random_brightness(probability=0.8, min_factor=0.6, max_factor=1.2)
        pipeline.zoom(probability=1.0, min_factor=1.0, max_factor=1.2)
        pipeline.sample(args.samples)
    seconds = time.perf_counter() - start
    written = len(os.listdir(args.output))
    if written != args.samples:
        sys.exit("augmentor_real_peer: %d images written to %s, %d asked for"
                 % (written, args.output, args.samples))
    print("%.6f" % seconds)


if __name__ == "__main__":
    main()
