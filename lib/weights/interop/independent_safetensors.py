"""An independent safetensors writer and reader, by hand with struct + json + numpy.

  independent_safetensors.py write DIR   # DIR/python.safetensors and DIR/expected.txt
  independent_safetensors.py verify DIR  # checks DIR/cpp.safetensors against the originals

It deliberately differs from the C++ writer where the format allows it: tensors lie in the
buffer in reverse name order, the JSON has spaces after separators, and the header is padded
to an odd length. expected.txt holds, per tensor, the values the C++ reader must produce:
float32 bit patterns (hex) for floating-point types, decimal integers for the others.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {  # safetensors name -> numpy little-endian type
    "BOOL": "?", "U8": "<u1", "I8": "<i1", "I16": "<i2", "U16": "<u2", "I32": "<i4",
    "U32": "<u4", "I64": "<i8", "U64": "<u8", "F16": "<f2", "F32": "<f4", "F64": "<f8",
}


def tensors():
    """(name, dtype, shape, raw bytes, expected values as text)."""
    rng = np.random.default_rng(2020)
    out = []

    def add(name, dtype, array, expected):
        out.append((name, dtype, list(array.shape), array.tobytes(), expected))

    def float_bits(values):
        return ["%08x" % b for b in np.asarray(values, dtype="<f4").reshape(-1).view("<u4")]

    f32 = rng.standard_normal((4, 3, 3, 3)).astype("<f4")
    f32.flat[:4] = [np.inf, -np.inf, -0.0, np.float32(1e-45)]
    add("conv.weight", "F32", f32, float_bits(f32))

    specials = np.array([1.0, -2.0, 65504.0, 2.0**-24, 2.0**-14, 1023 * 2.0**-24, -0.0,
                         np.inf, -np.inf, np.nan], dtype="<f2")
    f16 = np.concatenate([specials, rng.standard_normal(118).astype("<f2")]).reshape(8, 16)
    add("half.values", "F16", f16, float_bits(f16.astype("<f4")))

    # bfloat16 is the upper half of a float32; numpy has no type for it.
    upper = (rng.standard_normal(24).astype("<f4").view("<u4") >> 16).astype("<u2")
    out.append(("bfloat.values", "BF16", [2, 12], upper.tobytes(),
                float_bits((upper.astype("<u4") << 16).view("<f4"))))

    f64 = np.array([0.1, -1e300, 1e-50, 3.0, np.nan], dtype="<f8")
    with np.errstate(over="ignore"):
        add("double.values", "F64", f64, float_bits(f64.astype("<f4")))

    add("scalar", "F32", np.array(7.25, dtype="<f4"), float_bits([7.25]))
    add("empty", "F32", np.zeros((0, 5), dtype="<f4"), [])

    ints = {
        "I64": [-(2**63), -1, 0, 2**63 - 1], "I32": [-(2**31), 5, 2**31 - 1],
        "I16": [-32768, 32767], "I8": [-128, 127], "U8": [0, 200, 255],
        "U16": [65535, 1], "U32": [2**32 - 1, 3], "U64": [2**64 - 1, 2**63],
        "BOOL": [True, False, True],
    }
    for dtype, values in ints.items():
        array = np.array(values, dtype=DTYPES[dtype])
        add("ints." + dtype.lower(), dtype, array, [str(int(v)) for v in values])
    return out


def write(directory):
    items = tensors()
    header = {"__metadata__": {"format": "np", "writer": "python"}}
    buffer = b""
    for name, dtype, shape, raw, _ in sorted(items, reverse=True):
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(buffer), len(buffer) + len(raw)]}
        buffer += raw
    text = json.dumps(header).encode("utf-8")
    text += b" " * (3 if len(text) % 2 == 0 else 4)
    with open(directory + "/python.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + buffer)
    with open(directory + "/expected.txt", "w") as f:
        f.write("meta format np\nmeta writer python\n")
        for name, dtype, shape, _, expected in items:
            f.write(" ".join([name, dtype, str(len(shape))] + [str(d) for d in shape] +
                             [str(len(expected))] + expected) + "\n")


def verify(directory):
    with open(directory + "/cpp.safetensors", "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert (8 + n) % 8 == 0, "header not padded to a multiple of 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buffer = data[8 + n:]
    assert header.pop("__metadata__") == {"format": "np", "writer": "python"}
    items = tensors()
    assert sorted(header) == sorted(t[0] for t in items), sorted(header)
    end = 0
    for name in sorted(header):  # the C++ writer lays tensors out in name order
        begin, stop = header[name]["data_offsets"]
        assert begin == end, (name, begin, end)
        end = stop
    assert end == len(buffer)
    for name, dtype, shape, raw, _ in items:
        entry = header[name]
        assert entry["dtype"] == dtype and entry["shape"] == shape, (name, entry)
        begin, stop = entry["data_offsets"]
        assert buffer[begin:stop] == raw, name
        array = np.frombuffer(buffer[begin:stop], dtype=DTYPES.get(dtype, "<u2"))
        assert array.size == int(np.prod(shape)), name
    print("verified %d tensors written by C++" % len(items))


if __name__ == "__main__":
    {"write": write, "verify": verify}[sys.argv[1]](sys.argv[2])
