"""dcm2png against an independent decoder on DICOM files that other software wrote.

Usage: dicom_conformance.py DCM2PNG OUT_TABLE.md FILE_OR_FOLDER...

For every file (and again for the last frame of multi-frame files, with --frame), dcm2png
(one-file mode, --colour luma) and pydicom with its GDCM handler
(python3-gdcm: GDCM's own DICOM parser and codecs, JPEG 2000 included) each give an 8-bit
image, the reference by dcm2png's documented rules computed here in NumPy: that frame,
MONOCHROME1 inverted, min-max to 0..255 with halves rounded up and the Pixel Padding Value
left out, colour as BT.601 luma (the Y channel where the decoder left YBR). Each file ends
in one row of the table:
  equal        every pixel equal
  within 1     lossy data (JPEG baseline/extended, lossy JPEG 2000) or a colour conversion,
               no pixel more than 1 grey level apart
  refused      dcm2png refused with a one-line reason; the reference either cannot decode
               it either, or it is outside what dcm2png supports by design (32-bit or 1-bit
               samples, no pixel data)
  MISMATCH     anything else: the test fails
Exit status 1 when any row is MISMATCH.
"""

import glob
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from PIL import Image

warnings.filterwarnings("ignore")
# GDCM first: the independent decoder for compressed data; NumPy for uncompressed data.
from pydicom.pixel_data_handlers import gdcm_handler, numpy_handler, rle_handler  # noqa: E402

pydicom.config.pixel_data_handlers = [numpy_handler, gdcm_handler, rle_handler]

# Files that dcm2png refuses while pydicom returns an array, each with why the refusal is right.
KNOWN_REFUSALS = {
    # Its codestream's SIZ segment is damaged (width 0xdde00100): OpenJPEG and GDCM both fail
    # to read it; pydicom's GDCM handler then returns the buffer without decoding anything.
    "JPEG2000-embedded-sequence-delimiter.dcm",
    # Implicit VR data under a meta header that says JPEG baseline (explicit VR): pydicom
    # guesses the encoding, DCMTK follows the meta header and cannot parse it.
    "SC_rgb_jpeg.dcm",
}

LOSSY = {
    "1.2.840.10008.1.2.4.50",  # JPEG baseline
    "1.2.840.10008.1.2.4.51",  # JPEG extended
    "1.2.840.10008.1.2.4.91",  # JPEG 2000 (lossy allowed)
}


def min_max(values, padding):
    values = values.astype(np.int64)
    keep = np.ones(values.shape, bool) if padding is None else values != padding
    if not keep.any():
        return np.zeros(values.shape, np.uint8)
    low, high = values[keep].min(), values[keep].max()
    if high == low:
        return np.zeros(values.shape, np.uint8)
    out = (510 * (values - low) + (high - low)) // (2 * (high - low))
    return np.where(keep, out, 0).astype(np.uint8)


def luma(rgb):
    rgb = rgb.astype(np.int64)
    return (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2] + 500) // 1000


def reference(path, frame):
    """Frame `frame` (1-based) as 8 bits by dcm2png's rules, or (None, reason) when the
    reference refuses."""
    ds = pydicom.dcmread(path)
    if "PixelData" not in ds:
        return None, "no pixel data"
    bits = int(ds.BitsAllocated)
    if bits not in (8, 16):
        return None, f"BitsAllocated {bits}"
    try:
        array = ds.pixel_array
    except Exception as error:  # the reference cannot decode it either
        return None, f"reference cannot decode: {str(error).splitlines()[0][:80]}"
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        array = array[frame - 1]
    photometric = ds.PhotometricInterpretation
    if photometric == "PALETTE COLOR":
        from pydicom.pixel_data_handlers.util import apply_color_lut

        return min_max(luma(apply_color_lut(array, ds)), None), None
    if array.ndim == 3:
        if photometric.startswith("YBR") and photometric not in ("YBR_RCT", "YBR_ICT"):
            # Left as YBR by the decoder: Y is BT.601 luma.
            return min_max(array[..., 0], None), None
        return min_max(luma(array), None), None
    values = array.astype(np.int64)
    padding = ds.get("PixelPaddingValue")
    if photometric == "MONOCHROME1":
        values = -values
        padding = None if padding is None else -int(padding)
    return min_max(values, padding), None


def ours(dcm2png, path, frame, folder):
    out = os.path.join(folder, "out.png")
    if os.path.exists(out):
        os.remove(out)
    command = [dcm2png, "--colour", "luma", f"--frame={frame}", path, out]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit {run.returncode}"
    return np.array(Image.open(out)), None


def cases(arguments):
    """(path, frame): every file's first frame, and the last one of multi-frame files."""
    for argument in arguments:
        paths = sorted(glob.glob(os.path.join(argument, "*.dcm"))) if os.path.isdir(argument) else [argument]
        for path in paths:
            yield path, 1
            try:
                frames = int(pydicom.dcmread(path, stop_before_pixels=True).get("NumberOfFrames", 1) or 1)
            except Exception:
                frames = 1
            if frames > 1:
                yield path, frames


def main():
    dcm2png, table_path, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows, failures = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for path, frame in cases(inputs):
            try:
                syntax = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
            except Exception:
                syntax = "?"
            mine, refusal = ours(dcm2png, path, frame, folder)
            try:
                expected, reference_refusal = reference(path, frame)
            except Exception as error:
                expected, reference_refusal = None, f"reference cannot read: {str(error)[:60]}"
            if mine is None:
                reason = refusal.split(": ", 1)[-1] if refusal else "?"
                # Refusing is right when the reference refuses too, or the file is outside
                # what dcm2png supports by design.
                known = os.path.basename(path) in KNOWN_REFUSALS
                outcome = (
                    "refused" if expected is None or known or "not supported" in reason else "MISMATCH"
                )
                detail = reason + (f" (reference: {reference_refusal})" if reference_refusal else "")
            elif expected is None:
                outcome, detail = "MISMATCH", f"converted, but the reference says: {reference_refusal}"
            elif mine.shape != expected.shape:
                outcome, detail = "MISMATCH", f"shape {mine.shape} vs {expected.shape}"
            else:
                difference = int(np.abs(mine.astype(int) - expected.astype(int)).max())
                colour = pydicom.dcmread(path, stop_before_pixels=True).get("SamplesPerPixel", 1) == 3
                if difference == 0:
                    outcome, detail = "equal", ""
                elif difference <= 1 and (syntax in LOSSY or colour):
                    outcome, detail = "within 1", f"{np.mean(mine != expected):.1%} of pixels differ by 1"
                else:
                    outcome, detail = "MISMATCH", f"max difference {difference}"
            failures += outcome == "MISMATCH"
            name = os.path.basename(path) + (f" (frame {frame})" if frame > 1 else "")
            rows.append((name, syntax, outcome, detail))
    with open(table_path, "w") as table:
        table.write("| file | transfer syntax | outcome | detail |\n|---|---|---|---|\n")
        for row in rows:
            table.write("| " + " | ".join(row) + " |\n")
    for row in rows:
        print(f"{row[2]:9} {row[0]:45} {row[1]:24} {row[3]}")
    print(f"{len(rows)} cases, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
