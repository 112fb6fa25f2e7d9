#!/usr/bin/python3
"""Writes keras.applications-layout .h5 files with random weights (h5py), converts them with
`weights convert --from keras_h5` and checks, independently of the C++ code, that every tensor
landed at its key with the right transposition and folding.

Usage: keras_h5_check.py WEIGHTS_BINARY WORKDIR convert|convert_2|reader
(run with Debian's /usr/bin/python3; the three parts are three tests, each under a minute)

Files: vgg16 and resnet50 weights-only (*_notop.h5, Keras 2.3+ layer names, as
keras.applications' downloads) and full-model files (/model_weights + model_config, with a
small top); a resnet50 file without one layer and one with a NaN must fail with exit 2, one
line naming the file and the layer, and no output file.
"""
import json
import os
import struct
import subprocess
import sys

import h5py
import numpy as np

BINARY, WORK, PART = sys.argv[1], sys.argv[2], sys.argv[3]
rng = np.random.default_rng(7)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


# ---- Keras model descriptions: [(name, class, config, inbound, {param: array})] ----------
def conv(name, kh, cin, cout, inbound, bias=True):
    params = {"kernel": rng.standard_normal((kh, kh, cin, cout)).astype(np.float32)}
    if bias:
        params["bias"] = rng.standard_normal(cout).astype(np.float32)
    return (name, "Conv2D", {"filters": cout, "use_bias": bias}, inbound, params)


def bn(name, c, inbound, epsilon):
    return (name, "BatchNormalization", {"epsilon": epsilon}, inbound, {
        "gamma": rng.uniform(0.5, 1.5, c).astype(np.float32),
        "beta": rng.standard_normal(c).astype(np.float32),
        "moving_mean": rng.standard_normal(c).astype(np.float32),
        "moving_variance": rng.uniform(0.1, 2.0, c).astype(np.float32),
    })


def plain(name, cls, inbound, **config):
    return (name, cls, config, inbound, {})


def dense(name, cin, cout, inbound, activation):
    return (name, "Dense", {"units": cout, "activation": activation}, inbound, {
        "kernel": rng.standard_normal((cin, cout)).astype(np.float32),
        "bias": rng.standard_normal(cout).astype(np.float32)})


def vgg_layers(convs_per_block=(2, 2, 3, 3, 3)):
    layers = [plain("input_1", "InputLayer", [], batch_input_shape=[None, 224, 224, 3])]
    prev, cin = "input_1", 3
    for block, (convs, width) in enumerate(zip(convs_per_block, [64, 128, 256, 512, 512]), 1):
        for c in range(1, convs + 1):
            name = f"block{block}_conv{c}"
            layers.append(conv(name, 3, cin, width, [prev]))
            prev, cin = name, width
        layers.append(plain(f"block{block}_pool", "MaxPooling2D", [prev], pool_size=[2, 2]))
        prev = f"block{block}_pool"
    return layers


def resnet50_layers():
    eps = 1.001e-5
    L = [plain("input_1", "InputLayer", [], batch_input_shape=[None, 224, 224, 3]),
         plain("conv1_pad", "ZeroPadding2D", ["input_1"]),
         conv("conv1_conv", 7, 3, 64, ["conv1_pad"]), bn("conv1_bn", 64, ["conv1_conv"], eps),
         plain("conv1_relu", "Activation", ["conv1_bn"]),
         plain("pool1_pad", "ZeroPadding2D", ["conv1_relu"]),
         plain("pool1_pool", "MaxPooling2D", ["pool1_pad"])]
    x, cin = "pool1_pool", 64
    for stage, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)], 2):
        for b in range(1, blocks + 1):
            k = f"conv{stage}_block{b}_"
            L += [conv(k + "1_conv", 1, cin, width, [x]), bn(k + "1_bn", width, [k + "1_conv"], eps),
                  plain(k + "1_relu", "Activation", [k + "1_bn"]),
                  conv(k + "2_conv", 3, width, width, [k + "1_relu"]),
                  bn(k + "2_bn", width, [k + "2_conv"], eps),
                  plain(k + "2_relu", "Activation", [k + "2_bn"])]
            shortcut = x
            if b == 1:
                L.append(conv(k + "0_conv", 1, cin, 4 * width, [x]))
            L.append(conv(k + "3_conv", 1, width, 4 * width, [k + "2_relu"]))
            if b == 1:
                L.append(bn(k + "0_bn", 4 * width, [k + "0_conv"], eps))
                shortcut = k + "0_bn"
            L += [bn(k + "3_bn", 4 * width, [k + "3_conv"], eps),
                  plain(k + "add", "Add", [shortcut, k + "3_bn"]),
                  plain(k + "out", "Activation", [k + "add"])]
            x, cin = k + "out", 4 * width
    return L


def sepconv(name, cin, cout, inbound):
    return (name, "SeparableConv2D", {"filters": cout, "use_bias": False}, inbound, {
        "depthwise_kernel": rng.standard_normal((3, 3, cin, 1)).astype(np.float32),
        "pointwise_kernel": rng.standard_normal((1, 1, cin, cout)).astype(np.float32)})


def xception_layers():
    """tf.keras 2.x names: the unnamed shortcut layers are conv2d, conv2d_1, ... (our list
    numbers them from _1, as Keras 2.2 did: the converter renumbers)."""
    eps = 1e-3
    L = [plain("input_1", "InputLayer", [], batch_input_shape=[None, 299, 299, 3]),
         conv("block1_conv1", 3, 3, 32, ["input_1"], bias=False),
         bn("block1_conv1_bn", 32, ["block1_conv1"], eps),
         plain("block1_conv1_act", "Activation", ["block1_conv1_bn"]),
         conv("block1_conv2", 3, 32, 64, ["block1_conv1_act"], bias=False),
         bn("block1_conv2_bn", 64, ["block1_conv2"], eps),
         plain("block1_conv2_act", "Activation", ["block1_conv2_bn"])]
    x, cin, shortcut = "block1_conv2_act", 64, 0
    def auto(prefix, n):
        return prefix if n == 0 else f"{prefix}_{n}"
    for block, (mid, out) in [(2, (128, 128)), (3, (256, 256)), (4, (728, 728)), (13, (728, 1024))]:
        k = f"block{block}_"
        res = auto("conv2d", shortcut)
        resbn = auto("batch_normalization", shortcut)
        shortcut += 1
        L += [conv(res, 1, cin, out, [x], bias=False), bn(resbn, out, [res], eps)]
        L += [sepconv(k + "sepconv1", cin, mid, [x]), bn(k + "sepconv1_bn", mid, [k + "sepconv1"], eps),
              plain(k + "sepconv2_act", "Activation", [k + "sepconv1_bn"]),
              sepconv(k + "sepconv2", mid, out, [k + "sepconv2_act"]),
              bn(k + "sepconv2_bn", out, [k + "sepconv2"], eps),
              plain(k + "pool", "MaxPooling2D", [k + "sepconv2_bn"]),
              plain(auto("add", shortcut - 1), "Add", [k + "pool", resbn])]
        x, cin = auto("add", shortcut - 1), out
        if block == 4:
            for b in range(5, 13):
                k = f"block{b}_"
                prev = x
                for c in (1, 2, 3):
                    L += [plain(f"{k}sepconv{c}_act", "Activation", [prev]),
                          sepconv(f"{k}sepconv{c}", 728, 728, [f"{k}sepconv{c}_act"]),
                          bn(f"{k}sepconv{c}_bn", 728, [f"{k}sepconv{c}"], eps)]
                    prev = f"{k}sepconv{c}_bn"
                L.append(plain(f"add_{b - 1}", "Add", [prev, x]))
                x = f"add_{b - 1}"
    L += [sepconv("block14_sepconv1", 1024, 1536, [x]),
          bn("block14_sepconv1_bn", 1536, ["block14_sepconv1"], eps),
          plain("block14_sepconv1_act", "Activation", ["block14_sepconv1_bn"]),
          sepconv("block14_sepconv2", 1536, 2048, ["block14_sepconv1_act"]),
          bn("block14_sepconv2_bn", 2048, ["block14_sepconv2"], eps),
          plain("block14_sepconv2_act", "Activation", ["block14_sepconv2_bn"])]
    return L


def write_h5(path, layers, full_model, drop=None, nan_in=None):
    with h5py.File(path, "w") as f:
        root = f.create_group("model_weights") if full_model else f
        names = [l[0] for l in layers if l[0] != drop]
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.4.0"
        for name, cls, config, inbound, params in layers:
            if name == drop:
                continue
            g = root.create_group(name)
            weight_names = [f"{name}/{p}:0".encode() for p in params]
            g.attrs["weight_names"] = np.array(weight_names) if weight_names else np.zeros((0,), "S1")
            for p, value in params.items():
                if name == nan_in and p == "kernel":
                    value = value.copy()
                    value.flat[5] = np.nan
                g.create_dataset(f"{name}/{p}:0", data=value)
        if full_model:
            f.attrs["keras_version"] = b"2.4.0"
            config = {"class_name": "Functional", "config": {"name": "model", "layers": [
                {"name": n, "class_name": c, "config": dict(cfg, name=n),
                 "inbound_nodes": [[[i, 0, 0, {}] for i in inb]] if inb else []}
                for n, c, cfg, inb, _ in layers if n != drop]}}
            f.attrs["model_config"] = json.dumps(config).encode()


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    buf = data[8 + n:]
    tensors = {}
    for key, entry in header.items():
        assert entry["dtype"] == "F32", key
        b, e = entry["data_offsets"]
        tensors[key] = np.frombuffer(buf[b:e], "<f4").reshape(entry["shape"])
    return tensors, meta


def convert(model, src, out):
    return subprocess.run([BINARY, "convert", "--from", "keras_h5", "--model", model, src, out],
                          capture_output=True, text=True)


def torch_conv(kernel, reverse_in=False):
    w = kernel.transpose(3, 2, 0, 1)
    return w[:, ::-1] if reverse_in else w


def check(got, want, what):
    if set(got) != set(want):
        fail(f"{what}: keys differ: missing {sorted(set(want) - set(got))[:5]}, "
             f"extra {sorted(set(got) - set(want))[:5]}")
    for key, value in want.items():
        if got[key].shape != value.shape:
            fail(f"{what}: {key} shape {got[key].shape}, want {value.shape}")
        if not np.allclose(got[key], value, rtol=1e-6, atol=1e-7):
            fail(f"{what}: {key} values differ (max {np.abs(got[key] - value).max()})")


def expect_vgg(layers, top, convs_per_block=(2, 2, 3, 3, 3)):
    P = {l[0]: l[4] for l in layers}
    want, index, first = {}, 0, True
    for block, convs in enumerate(convs_per_block, 1):
        for c in range(1, convs + 1):
            p = P[f"block{block}_conv{c}"]
            want[f"features.{index}.weight"] = torch_conv(p["kernel"], reverse_in=first)
            want[f"features.{index}.bias"] = p["bias"]
            first = False
            index += 2
        index += 1
    for i, name in enumerate(top):
        want[f"keras_top.{i}.weight"] = P[name]["kernel"].T
        want[f"keras_top.{i}.bias"] = P[name]["bias"]
    return want


def expect_resnet(layers, top, ours_eps=1e-5, keras_eps=1.001e-5):
    P = {l[0]: l[4] for l in layers}
    want = {}

    def conv_bn(conv_name, bn_name, conv_key, bn_key, first=False):
        c, b = P[conv_name], P[bn_name]
        want[conv_key + ".weight"] = torch_conv(c["kernel"], reverse_in=first)
        want[bn_key + ".weight"] = b["gamma"]
        want[bn_key + ".bias"] = b["beta"]
        want[bn_key + ".running_mean"] = b["moving_mean"] - c["bias"]  # the conv bias folded
        want[bn_key + ".running_var"] = b["moving_variance"] + keras_eps - ours_eps

    conv_bn("conv1_conv", "conv1_bn", "conv1", "bn1", first=True)
    for stage, blocks in enumerate([3, 4, 6, 3], 2):
        for b in range(1, blocks + 1):
            k, ours = f"conv{stage}_block{b}_", f"layer{stage - 1}.{b - 1}."
            for i in (1, 2, 3):
                conv_bn(f"{k}{i}_conv", f"{k}{i}_bn", f"{ours}conv{i}", f"{ours}bn{i}")
            if b == 1:
                conv_bn(k + "0_conv", k + "0_bn", ours + "downsample.0", ours + "downsample.1")
    for i, name in enumerate(top):
        want[f"keras_top.{i}.weight"] = P[name]["kernel"].T
        want[f"keras_top.{i}.bias"] = P[name]["bias"]
    return want


def expect_xception(layers, ours_eps=1e-5, keras_eps=1e-3):
    P = {l[0]: l[4] for l in layers}
    want = {}

    def bn_(name, key):
        b = P[name]
        want[key + ".weight"] = b["gamma"]
        want[key + ".bias"] = b["beta"]
        want[key + ".running_mean"] = b["moving_mean"]
        want[key + ".running_var"] = b["moving_variance"] + keras_eps - ours_eps

    def sep(name, key):
        dw, pw = P[name]["depthwise_kernel"], P[name]["pointwise_kernel"]
        want[key + ".conv1.weight"] = dw.transpose(2, 3, 0, 1).reshape(-1, 1, 3, 3)
        want[key + ".pointwise.weight"] = pw.transpose(3, 2, 0, 1)

    want["conv1.weight"] = torch_conv(P["block1_conv1"]["kernel"])
    bn_("block1_conv1_bn", "bn1")
    want["conv2.weight"] = torch_conv(P["block1_conv2"]["kernel"])
    bn_("block1_conv2_bn", "bn2")
    for i, block in enumerate([2, 3, 4, 13]):
        ours = f"block{block - 1}."
        want[ours + "skip.weight"] = torch_conv(P["conv2d" if i == 0 else f"conv2d_{i}"]["kernel"])
        bn_("batch_normalization" if i == 0 else f"batch_normalization_{i}", ours + "skipbn")
        first = 0 if block == 2 else 1
        sep(f"block{block}_sepconv1", f"{ours}rep.{first}")
        bn_(f"block{block}_sepconv1_bn", f"{ours}rep.{first + 1}")
        sep(f"block{block}_sepconv2", f"{ours}rep.{first + 3}")
        bn_(f"block{block}_sepconv2_bn", f"{ours}rep.{first + 4}")
    for block in range(5, 13):
        for c in (1, 2, 3):
            sep(f"block{block}_sepconv{c}", f"block{block - 1}.rep.{3 * c - 2}")
            bn_(f"block{block}_sepconv{c}_bn", f"block{block - 1}.rep.{3 * c - 1}")
    sep("block14_sepconv1", "conv3")
    bn_("block14_sepconv1_bn", "bn3")
    sep("block14_sepconv2", "conv4")
    bn_("block14_sepconv2_bn", "bn4")
    return want


CAFFE_MEAN = "0.482352941,0.457956863,0.407603922"
CAFFE_STD = "0.00392156863,0.00392156863,0.00392156863"


def run_case(model, filename, layers, full, want, top_activations, preprocessing="caffe"):
    src = os.path.join(WORK, filename)
    out = os.path.join(WORK, filename + ".safetensors")
    write_h5(src, layers, full)
    result = convert(model, src, out)
    if result.returncode != 0:
        fail(f"{filename}: exit {result.returncode}: {result.stderr}")
    tensors, meta = read_safetensors(out)
    check(tensors, want, filename)
    expected_meta = {"format": "pt", "mammo.model": model, "mammo.variant": "keras",
                     "mammo.preprocessing": preprocessing,
                     "mammo.mean": CAFFE_MEAN if preprocessing == "caffe" else "0.5,0.5,0.5",
                     "mammo.std": CAFFE_STD if preprocessing == "caffe" else "0.5,0.5,0.5", "mammo.keras_version": "2.4.0",
                     "mammo.source": f"{filename} (keras_h5)"}
    if top_activations:
        expected_meta["mammo.keras_top"] = top_activations
    if full:
        expected_meta["mammo.input_size"] = "224"
    for key, value in expected_meta.items():
        if meta.get(key) != value:
            fail(f"{filename}: metadata {key} = {meta.get(key)!r}, want {value!r}")
    print(f"ok {filename}: {len(tensors)} tensors")


def run_failure(model, filename, layers, expected_words, **kwargs):
    """A conversion that must fail: exit 2, one line naming the file and expected_words.
    `layers` None: the file exists already."""
    src = os.path.join(WORK, filename)
    out = os.path.join(WORK, f"{filename}.as_{model}.safetensors")
    if layers is not None:
        write_h5(src, layers, False, **kwargs)
    result = convert(model, src, out)
    if result.returncode != 2:
        fail(f"{filename}: exit {result.returncode}, want 2: {result.stderr}")
    lines = [l for l in result.stderr.splitlines() if not l.startswith("weights: read ")]
    if len(lines) != 1 or not all(w in lines[0] for w in [filename] + expected_words):
        fail(f"{filename}: want one line naming {expected_words}: {result.stderr!r}")
    leftovers = [f for f in os.listdir(WORK) if f.startswith(os.path.basename(out))]
    if leftovers:
        fail(f"{filename}: output left behind on error: {leftovers}")
    print(f"ok {filename}: {lines[0]}")


os.makedirs(WORK, exist_ok=True)
vgg = vgg_layers()
def convert_part():
    run_case("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", vgg, False,
             expect_vgg(vgg, []), None)
    vgg_full = vgg + [plain("flatten", "Flatten", ["block5_pool"]),
                      dense("fc1", 7 * 7 * 512, 8, ["flatten"], "relu"),
                      plain("dropout", "Dropout", ["fc1"], rate=0.5),
                      dense("predictions", 8, 3, ["dropout"], "softmax")]
    run_case("vgg16", "vgg16_full.h5", vgg_full, True, expect_vgg(vgg_full, ["fc1", "predictions"]),
             "relu,softmax")
    resnet = resnet50_layers()
    run_case("resnet50", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", resnet, False,
             expect_resnet(resnet, []), None)
    resnet_full = resnet + [plain("avg_pool", "GlobalAveragePooling2D", ["conv5_block3_out"]),
                            dense("predictions", 2048, 4, ["avg_pool"], "softmax")]
    run_case("resnet50", "resnet50_full.h5", resnet_full, True,
             expect_resnet(resnet_full, ["predictions"]), "softmax")
    run_failure("resnet50", "resnet50_no_layer.h5", resnet, ["conv3_block2_2_conv"],
                drop="conv3_block2_2_conv")
    run_failure("resnet50", "resnet50_nan.h5", resnet, ["conv2_block1_1_conv", "NaN"],
                nan_in="conv2_block1_1_conv")
    # Another architecture's file: one line naming a layer.
    run_failure("vgg19", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", None, ["block3_conv4"])


def convert_part_2():
    vgg19 = vgg_layers([2, 2, 4, 4, 4])
    run_case("vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", vgg19, False,
             expect_vgg(vgg19, [], [2, 2, 4, 4, 4]), None)
    xception = xception_layers()
    run_case("xception", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", xception, False,
             expect_xception(xception), None, preprocessing="tf")
    run_failure("vgg16", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", None, ["block3_conv4"])
    run_failure("resnet50", "xception_weights_tf_dim_ordering_tf_kernels_notop.h5", None, ["layer"])



if PART in ("convert", "convert_2"):
    (convert_part if PART == "convert" else convert_part_2)()
    print("PASS")
    sys.exit(0)


# ---- The reader: float64 and float16 datasets are converted; every broken field fails. ----
def inspect(path):
    return subprocess.run([BINARY, "inspect", path], capture_output=True, text=True)


mixed = vgg_layers()
mixed[1][4]["kernel"] = mixed[1][4]["kernel"].astype(np.float64)   # block1_conv1
mixed[2][4]["bias"] = mixed[2][4]["bias"].astype(np.float16)       # block1_conv2
run_case("vgg16", "vgg16_float64_float16.h5", mixed, False,
         expect_vgg([(n, c, cfg, i, {k: v.astype(np.float32) for k, v in p.items()})
                     for n, c, cfg, i, p in mixed], []), None)
listing = inspect(os.path.join(WORK, "vgg16_float64_float16.h5")).stdout
if "block1_conv1/kernel:0\tfloat64\t[3,3,3,64]" not in listing or \
        "block1_conv2/bias:0\tfloat16\t[64]" not in listing:
    fail("inspect does not show the stored dtypes: " + listing[:500])

small = vgg_layers()[:4]  # input_1, block1_conv1, block1_conv2, block1_pool


def broken(filename, edit, words, code=2):
    path = os.path.join(WORK, filename)
    write_h5(path, small, True)
    with h5py.File(path, "r+") as f:
        edit(f)
    result = inspect(path)
    if result.returncode != code or len(result.stderr.splitlines()) != 1 or \
            not all(w in result.stderr for w in [filename] + words):
        fail(f"{filename}: exit {result.returncode}, want {code} and one line naming {words}: "
             f"{result.stderr!r}")
    print(f"ok {filename}: {result.stderr.strip()}")


broken("no_layer_names.h5", lambda f: f["model_weights"].attrs.__delitem__("layer_names"),
       ["layer_names"])
broken("no_layer_group.h5", lambda f: f["model_weights"].__delitem__("block1_conv2"),
       ["block1_conv2"])
broken("no_weight_names.h5",
       lambda f: f["model_weights/block1_conv1"].attrs.__delitem__("weight_names"),
       ["block1_conv1", "weight_names"])
broken("no_dataset.h5",
       lambda f: f["model_weights/block1_conv1/block1_conv1"].__delitem__("bias:0"),
       ["block1_conv1/bias:0", "missing"])


def int_dataset(f):
    g = f["model_weights/block1_conv1/block1_conv1"]
    del g["bias:0"]
    g.create_dataset("bias:0", data=np.arange(64, dtype=np.int32))


broken("int_dataset.h5", int_dataset, ["block1_conv1/bias:0", "not float"])
broken("bad_model_config.h5", lambda f: f.attrs.__setitem__("model_config", b"{not json"),
       ["model_config"])


def inf_dataset(f):
    g = f["model_weights/block1_conv2/block1_conv2"]
    value = g["kernel:0"][...].astype(np.float64)
    value[0, 0, 0, 3] = 1e300
    del g["kernel:0"]
    g.create_dataset("kernel:0", data=value.astype(np.float64))


broken("float64_overflow.h5", inf_dataset, ["block1_conv2/kernel:0", "element 3 is infinite"])
not_h5 = os.path.join(WORK, "not_hdf5.h5")
with open(not_h5, "wb") as f:
    f.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
result = inspect(not_h5)
if result.returncode != 2 or "not_hdf5.h5" not in result.stderr:
    fail(f"a corrupt HDF5 file: exit {result.returncode}: {result.stderr!r}")
truncated = os.path.join(WORK, "truncated.h5")
with open(os.path.join(WORK, "vgg16_float64_float16.h5"), "rb") as f:
    data = f.read()
with open(truncated, "wb") as f:
    f.write(data[:len(data) // 2])
result = inspect(truncated)
if result.returncode != 2 or "truncated.h5" not in result.stderr or len(result.stderr.splitlines()) != 1:
    fail(f"a truncated file: exit {result.returncode}: {result.stderr!r}")
print(f"ok truncated.h5: {result.stderr.strip()}")
print("PASS")
