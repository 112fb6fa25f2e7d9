"""Reads a synth data set back with pydicom, numpy and cv2 and checks it against the spec.

Usage: synth_check.py CSV_LAYOUT_DIR NBIA_LAYOUT_DIR (both written with the same seed).
"""
import csv
import glob
import hashlib
import io
import os
import re
import sys

import cv2
import numpy as np
import pydicom

MASS_HEADER = (b"patient_id,breast_density,left or right breast,image view,abnormality id,"
               b"abnormality type,mass shape,mass margins,assessment,pathology,subtlety,"
               b"image file path,cropped image file path,ROI mask file path\r\n")
CALC_HEADER = (b"patient_id,breast density,left or right breast,image view,abnormality id,"
               b"abnormality type,calc type,calc distribution,assessment,pathology,subtlety,"
               b"image file path,cropped image file path,ROI mask file path\r\n")
UID = re.compile(r"^2\.25\.[1-9][0-9]*$")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_csvs(root):
    patients = {}
    for kind, header in (("mass", MASS_HEADER), ("calc", CALC_HEADER)):
        for split in ("train", "test"):
            path = os.path.join(root, f"{kind}_case_description_{split}_set.csv")
            data = open(path, "rb").read()
            check(data.startswith(header), f"{path}: header bytes")
            # Outside quotes every line ends with CRLF.
            outside = re.sub(rb'"[^"]*"', b'""', data)
            check(outside.count(b"\n") == outside.count(b"\r\n"), f"{path}: a bare LF outside quotes")
            rows = read_rows(path)
            check(len(rows) > 0, f"{path}: no rows")
            check(b'.dcm\n"\r\n' in data, f"{path}: no newline inside a quoted ROI mask cell")
            for row in rows:
                check(row["pathology"] in ("BENIGN", "BENIGN_WITHOUT_CALLBACK", "MALIGNANT"),
                      f"{path}: pathology {row['pathology']}")
                check(row["subtlety"] in "012345" and row["assessment"] in "012345", f"{path}: scores")
                subject = row["image file path"].split("/")[0]
                check(subject == f"{'Mass' if kind == 'mass' else 'Calc'}-"
                      f"{'Training' if split == 'train' else 'Test'}_{row['patient_id']}_"
                      f"{row['left or right breast']}_{row['image view']}", f"{path}: subject {subject}")
            patients[(kind, split)] = {row["patient_id"] for row in rows}
    for kind in ("mass", "calc"):
        both = patients[(kind, "train")] & patients[(kind, "test")]
        check(not both, f"{kind}: patients in train and test: {sorted(both)}")


def pixel_hashes(root):
    """sha256 of PixelData per SOPInstanceUID, for every readable DICOM file under root."""
    hashes = {}
    for path in glob.glob(os.path.join(root, "**", "*.dcm"), recursive=True):
        try:
            ds = pydicom.dcmread(path)
            hashes[str(ds.SOPInstanceUID)] = hashlib.sha256(ds.PixelData).hexdigest()
        except Exception:  # the corrupt_image trap: checked on its own below
            pass
    return hashes


def solidity(mask):
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    points = np.vstack(contours)
    return sum(cv2.contourArea(c) for c in contours) / cv2.contourArea(cv2.convexHull(points))


def check_dicoms(root):
    truth = read_rows(os.path.join(root, "synth_truth.csv"))
    check(len(truth) >= 20, "synth_truth.csv: too few rows")
    traps_seen = set()
    solidities = {"benign": [], "malignant": []}
    for row in truth:
        traps = set(row["traps"].split(";")) - {"none"}
        traps_seen |= traps
        image_path = os.path.join(root, row["image_file"])
        crop_path = os.path.join(root, row["crop_file"])
        mask_path = os.path.join(root, row["mask_file"])
        if "missing_image" in traps:
            check(not os.path.exists(image_path), f"{image_path}: should be missing")
            continue
        if "corrupt_image" in traps:
            try:
                pydicom.dcmread(image_path).pixel_array
                failures.append(f"{image_path}: a truncated file must not decode")
            except Exception:
                pass
            continue
        image = pydicom.dcmread(image_path)
        check(image.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", f"{image_path}: transfer syntax")
        check(image.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7", f"{image_path}: SOP class")
        check(image.Modality == "MG" and image.PhotometricInterpretation == "MONOCHROME2",
              f"{image_path}: modality or photometric interpretation")
        check(image.PatientID == row["subject"], f"{image_path}: PatientID {image.PatientID}")
        check(image.SeriesDescription == "full mammogram images", f"{image_path}: series description")
        check("PatientName" not in image and "PatientBirthDate" not in image, f"{image_path}: identifying tags")
        for uid in (image.StudyInstanceUID, image.SeriesInstanceUID, image.SOPInstanceUID):
            check(UID.match(str(uid)) and len(str(uid)) <= 64, f"{image_path}: UID {uid}")
        pixels = image.pixel_array
        check(pixels.dtype == np.uint16 and image.BitsStored == 16, f"{image_path}: not 16-bit")
        check(pixels.min() < 2000 and pixels.max() > 60000, f"{image_path}: range {pixels.min()}..{pixels.max()}")
        check(pixels.shape == (int(row["image_height"]), int(row["image_width"])), f"{image_path}: size")

        crop = pydicom.dcmread(crop_path)
        check(crop.PatientID == f"{row['subject']}_{row['abnormality id']}", f"{crop_path}: PatientID")
        check(crop.BitsStored == 16 and crop.pixel_array.max() > 60000, f"{crop_path}: 16-bit crop")
        check(crop.SeriesDescription in ("cropped images", "ROI mask images"), f"{crop_path}: description")
        if "missing_mask" in traps:
            check(not os.path.exists(mask_path), f"{mask_path}: should be missing")
            continue
        mask_ds = pydicom.dcmread(mask_path)
        mask = mask_ds.pixel_array
        check(mask_ds.SeriesDescription == "ROI mask images", f"{mask_path}: description")
        check(mask.dtype == np.uint8 and mask_ds.BitsStored == 8, f"{mask_path}: not 8-bit")
        check(set(np.unique(mask)) <= {0, 255}, f"{mask_path}: values besides 0 and 255")
        if "mask_size" in traps:
            check(mask.shape != pixels.shape, f"{mask_path}: the mask_size trap kept the size")
            continue
        check(mask.shape == pixels.shape, f"{mask_path}: mask size {mask.shape} != image {pixels.shape}")
        x, y, w, h = cv2.boundingRect(mask)
        check((x, y, w, h) == tuple(int(row[k]) for k in ("bbox_x", "bbox_y", "bbox_width", "bbox_height")),
              f"{mask_path}: bbox differs from synth_truth.csv")
        if row["kind"] == "mass":
            solidities[row["label"]].append(solidity(mask))
    for trap in ("swap_crop_mask_columns", "mask_size", "missing_mask", "subtlety_zero",
                 "corrupt_image", "missing_image"):
        check(trap in traps_seen, f"trap {trap} never applied")
    benign, malignant = np.mean(solidities["benign"]), np.mean(solidities["malignant"])
    print(f"mean mask solidity: benign {benign:.3f} (n={len(solidities['benign'])}), "
          f"malignant {malignant:.3f} (n={len(solidities['malignant'])})")
    check(malignant < benign - 0.05, "malignant masks are not less solid than benign ones")


def check_layouts(csv_root, nbia_root):
    csv_hashes, nbia_hashes = pixel_hashes(csv_root), pixel_hashes(nbia_root)
    check(len(csv_hashes) > 40, f"only {len(csv_hashes)} readable files in the csv layout")
    check(csv_hashes == nbia_hashes, "csv and nbia layouts hold different pixel data or UIDs")
    metadata = read_rows(os.path.join(nbia_root, "metadata.csv"))
    for row in metadata:
        folder = os.path.join(nbia_root, row["File Location"])
        check(row["Series Description"] in ("full mammogram images", "ROI mask images", "cropped images"),
              "metadata.csv: series description")
        check(" " in os.path.basename(folder), f"{folder}: NBIA series folders have spaces")
        check(folder.endswith(row["Series UID"][-5:]), f"{folder}: last digits of the series UID")
    for path in glob.glob(os.path.join(nbia_root, "CBIS-DDSM", "*", "*")):
        check(re.match(r"^\d\d-\d\d-\d{4}-DDSM(-NA)?-\d{5}$", os.path.basename(path)), f"{path}: study folder")


check_csvs(sys.argv[1])
check_dicoms(sys.argv[1])
check_dicoms(sys.argv[2])
check_layouts(sys.argv[1], sys.argv[2])
for failure in failures[:30]:
    print("FAIL:", failure, file=sys.stderr)
if failures:
    sys.exit(1)
print("synth_check: all checks passed")
