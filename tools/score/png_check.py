"""Checks that each PNG given decodes, is 800x600 (figures.h) and is not a single colour."""
import sys

import cv2
import numpy as np


def main():
    for path in sys.argv[1:]:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            sys.exit(f"FAIL: {path} does not decode as an image")
        if image.shape[:2] != (600, 800):
            sys.exit(f"FAIL: {path} is {image.shape[1]}x{image.shape[0]}, not 800x600")
        colours = np.unique(image.reshape(-1, 3), axis=0)
        if len(colours) < 3:
            sys.exit(f"FAIL: {path} has {len(colours)} colours: nothing was drawn")
        # The background must be white (colour 0 set before init), not PLplot's black.
        if tuple(image[2, 2]) != (255, 255, 255):
            sys.exit(f"FAIL: {path} has background {tuple(image[2, 2])}, not white")
    print(f"{len(sys.argv) - 1} PNGs OK")


if __name__ == "__main__":
    main()
