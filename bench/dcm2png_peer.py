"""The peer of bench/dcm2png_bench.sh: dcm2png's image processing written as a user would in
pydicom + OpenCV-Python (Debian's python3-pydicom and python3-opencv), one process.

For each full mammogram named in synth's synth_truth.csv (column image_file; each distinct
file once): read the DICOM, min-max to 0..255 with the image's own minimum and maximum and
dcm2png's rounding (out = round(255 * (v - min) / (max - min)), halves up, exact integers;
MONOCHROME1 inverted over BitsStored; Pixel Padding Value left out of min and max and mapped
to 0; see lib/image/normalize.h), CLAHE (clip 2.0, 8x8 tiles) and write one PNG per image,
named after the image folder (the record's image_id), at the PNG compression level dcm2png
uses (1; OpenCV's default is 3, slower).

  /usr/bin/python3 bench/dcm2png_peer.py ROOT OUT_DIR
Prints 'images N', 'dicom_bytes B', 'seconds S' (reading the first DICOM to writing the
last PNG; interpreter start-up and imports excluded) and 'decode_seconds D' (reading and
decoding the DICOM files, within S). Compressed pixel data is decoded by GDCM
(python3-gdcm), pydicom's handler for JPEG 2000.
"""
import csv
import os
import sys
import time

import cv2
import numpy as np
import pydicom
from pydicom.pixel_data_handlers import gdcm_handler, numpy_handler

pydicom.config.pixel_data_handlers = [numpy_handler, gdcm_handler]


def min_max_8bit(ds, pixels):
    if ds.PhotometricInterpretation == "MONOCHROME1":
        pixels = ((1 << int(ds.BitsStored)) - 1) - pixels
    padding = ds.get("PixelPaddingValue")
    if padding is not None:
        if ds.PhotometricInterpretation == "MONOCHROME1":
            padding = ((1 << int(ds.BitsStored)) - 1) - int(padding)
        values = pixels[pixels != padding]
    else:
        values = pixels
    lut = np.zeros(1 << (8 * pixels.dtype.itemsize), np.uint8)
    if values.size:
        low, high, _, _ = cv2.minMaxLoc(values.reshape(1, -1) if values.ndim == 1 else values)
        low, high = int(low), int(high)
        span = high - low
        if span > 0:
            steps = np.arange(span + 1, dtype=np.int64)
            lut[low:high + 1] = (510 * steps + span) // (2 * span)
            lut[high + 1:] = 255
    if padding is not None:
        lut[int(padding)] = 0
    return np.take(lut, pixels)


def main():
    root, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(root, "synth_truth.csv"), newline="") as f:
        files = list(dict.fromkeys(row["image_file"] for row in csv.DictReader(f)))
    os.makedirs(out, exist_ok=True)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    dicom_bytes = 0
    decode_seconds = 0.0
    start = time.perf_counter()
    for name in files:
        path = os.path.join(root, name)
        dicom_bytes += os.path.getsize(path)
        decode_start = time.perf_counter()
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
        decode_seconds += time.perf_counter() - decode_start
        grey = min_max_8bit(ds, pixels)
        image_id = name.split("/")[0]
        cv2.imwrite(os.path.join(out, image_id + ".png"), clahe.apply(grey),
                    [cv2.IMWRITE_PNG_COMPRESSION, 1])
    seconds = time.perf_counter() - start
    print(f"images {len(files)}")
    print(f"dicom_bytes {dicom_bytes}")
    print(f"seconds {seconds:.4f}")
    print(f"decode_seconds {decode_seconds:.4f}")


if __name__ == "__main__":
    main()
