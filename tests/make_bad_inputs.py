"""Writes the bad inputs of the bad-input matrix (tests/README.md) into one folder.

    /usr/bin/python3 make_bad_inputs.py DIR

DIR/good.dcm and its broken variants for one-file mode (JPEG 2000 ones among them), and DIR/set_KIND/ for dataset
mode: a one-case CBIS-DDSM download whose ROI mask is all zeros, all ones, or of another
size than its image ("good" has a normal mask). Also DIR/other_model.safetensors (tensors
of a ResNet stem, which no VGG has) and DIR/truncated.safetensors.
"""
import io
import json
import os
import struct
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (ExplicitVRLittleEndian, JPEG2000Lossless, SecondaryCaptureImageStorage,
                         generate_uid)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)


def dicom(path, pixels, subject="P_BAD", study="1.2.9.1", series="1.2.9.2", signed=False,
          float_pixels=False, pixel_data=True, codestream=None):
    """An explicit little endian file of `pixels`, or with `codestream` (JPEG 2000 bytes) its
    one encapsulated fragment, the header still describing `pixels`."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian if codestream is None else JPEG2000Lossless
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MG"
    ds.PatientID = subject
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    if float_pixels:
        # Float Pixel Data (7FE0,0008) instead of Pixel Data: what a parametric map stores.
        ds.FloatPixelData = pixels.astype("<f4").tobytes()
    elif codestream is not None:
        ds.PixelData = encapsulate([codestream])
        ds["PixelData"].is_undefined_length = True
        ds["PixelData"].VR = "OB"
    elif pixel_data:
        ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, write_like_original=False)


image = rng.integers(0, 65536, (60, 40)).astype(np.uint16)
dicom(f"{out}/good.dcm", image)
data = open(f"{out}/good.dcm", "rb").read()
open(f"{out}/truncated.dcm", "wb").write(data[: len(data) // 2])
# Corrupted: the header's bytes overwritten with noise, the length of the file kept.
noisy = bytearray(data)
noisy[132:400] = rng.integers(0, 256, 268, dtype=np.uint8).tobytes()
open(f"{out}/corrupted.dcm", "wb").write(bytes(noisy))
dicom(f"{out}/no_pixels.dcm", image, pixel_data=False)
dicom(f"{out}/signed.dcm", rng.integers(-2000, 2000, (60, 40)).astype(np.int16), signed=True)
dicom(f"{out}/float.dcm", rng.random((60, 40)).astype(np.float32), float_pixels=True)


def j2k(pixels):
    """A lossless JPEG 2000 codestream of 16-bit `pixels` (Pillow, through OpenJPEG)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG2000", no_jp2=True, irreversible=False)
    return buffer.getvalue()


codestream = j2k(image)
dicom(f"{out}/j2k_good.dcm", image, codestream=codestream)
# The codestream cut short: the fragment is whole, its content is not.
dicom(f"{out}/j2k_cut.dcm", image, codestream=codestream[: len(codestream) // 2])
# A fragment whose item length says 1000 bytes more than the file holds.
data = open(f"{out}/j2k_good.dcm", "rb").read()
item = data.rfind(b"\xfe\xff\x00\xe0")  # the last item: the fragment
length = struct.unpack_from("<I", data, item + 4)[0]
open(f"{out}/j2k_fragment_lies.dcm", "wb").write(
    data[: item + 4] + struct.pack("<I", length + 1000) + data[item + 8:])
# A header of 60x40 over a 600x400 codestream: only the codestream's own size can refuse it.
dicom(f"{out}/j2k_large.dcm", image, codestream=j2k(rng.integers(0, 65536, (600, 400)).astype(np.uint16)))

header = ("patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,"
          "mass shape,mass margins,assessment,pathology,subtlety,image file path,"
          "cropped image file path,ROI mask file path\r\n")
mass = np.zeros((60, 40), np.uint8)
mass[20:35, 10:24] = 255
small = np.zeros((30, 20), np.uint8)
small[10:17, 5:12] = 255
masks = {"good": mass, "zeros": np.zeros((60, 40), np.uint8), "ones": np.full((60, 40), 255, np.uint8),
         "size": small}
for kind, mask in masks.items():
    root = f"{out}/set_{kind}"
    subject = "Mass-Training_P_00001_LEFT_CC"
    img = f"{subject}/1.2.1.1/1.2.1.2/000000.dcm"
    crop = f"{subject}_1/1.2.1.3/1.2.1.4/000000.dcm"
    roi = f"{subject}_1/1.2.1.3/1.2.1.4/000001.dcm"
    dicom(f"{root}/{img}", image, subject, "1.2.1.1", "1.2.1.2")
    dicom(f"{root}/{crop}", rng.integers(0, 65536, (9, 7)).astype(np.uint16), subject + "_1", "1.2.1.3", "1.2.1.4")
    dicom(f"{root}/{roi}", mask, subject + "_1", "1.2.1.3", "1.2.1.4")
    with open(f"{root}/mass_case_description_train_set.csv", "w", newline="") as f:
        f.write(header + f"P_00001,2,LEFT,CC,1,mass,OVAL,CIRCUMSCRIBED,3,MALIGNANT,3,{img},{crop},{roi}\r\n")


def safetensors(path, tensors):
    entries, blob = {}, b""
    for name, array in tensors.items():
        raw = array.astype("<f4").tobytes()
        entries[name] = {"dtype": "F32", "shape": list(array.shape),
                         "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    head = json.dumps(entries).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + blob)


safetensors(f"{out}/other_model.safetensors", {
    "conv1.weight": np.zeros((64, 3, 7, 7), np.float32),
    "bn1.weight": np.ones(64, np.float32),
    "fc.weight": np.zeros((1000, 2048), np.float32)})
whole = open(f"{out}/other_model.safetensors", "rb").read()
open(f"{out}/truncated.safetensors", "wb").write(whole[: len(whole) // 3])
