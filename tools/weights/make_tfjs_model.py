#!/usr/bin/python3
"""Writes a TF.js layers model of Keras's VGG16 (include_top=False, Keras 2.2.4 names) with
random uint8-quantised weights, as tensorflowjs_converter lays it out: model.json and 4 MB
shards. The first convolution's bias is stored as plain float32 (so that tests can put a NaN
there). Usage: make_tfjs_model.py DIR
"""
import json
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
layers = [{"name": "input_1", "class_name": "InputLayer",
           "config": {"batch_input_shape": [None, 224, 224, 3], "name": "input_1"},
           "inbound_nodes": []}]
weights, data = [], bytearray()
prev, cin = "input_1", 3
for block, (convs, width) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], 1):
    for c in range(1, convs + 1):
        name = f"block{block}_conv{c}"
        layers.append({"name": name, "class_name": "Conv2D",
                       "config": {"name": name, "filters": width, "use_bias": True},
                       "inbound_nodes": [[[prev, 0, 0, {}]]]})
        for param, shape in (("kernel", [3, 3, cin, width]), ("bias", [width])):
            if name == "block1_conv1" and param == "bias":
                values = rng.standard_normal(shape).astype("<f4")
                weights.append({"name": f"{name}/{param}", "shape": shape, "dtype": "float32"})
                data += values.tobytes()
                continue
            q = rng.integers(0, 256, size=int(np.prod(shape)), dtype=np.uint8)
            weights.append({"name": f"{name}/{param}", "shape": shape, "dtype": "float32",
                            "quantization": {"dtype": "uint8", "min": -0.5, "scale": 1 / 255}})
            data += q.tobytes()
        prev, cin = name, width
    pool = f"block{block}_pool"
    layers.append({"name": pool, "class_name": "MaxPooling2D", "config": {"name": pool},
                   "inbound_nodes": [[[prev, 0, 0, {}]]]})
    prev = pool
chunk = 4 << 20
count = (len(data) + chunk - 1) // chunk
paths = [f"group1-shard{i + 1}of{count}" for i in range(count)]
for i, path in enumerate(paths):
    with open(os.path.join(out, path), "wb") as f:
        f.write(data[i * chunk:(i + 1) * chunk])
model = {"format": "layers-model", "generatedBy": "keras v2.2.4", "convertedBy": "test",
         "modelTopology": {"keras_version": "2.2.4", "backend": "tensorflow",
                           "model_config": {"class_name": "Model", "config": {
                               "name": "vgg16", "layers": layers,
                               "input_layers": [["input_1", 0, 0]],
                               "output_layers": [["block5_pool", 0, 0]]}}},
         "weightsManifest": [{"paths": paths, "weights": weights}]}
with open(os.path.join(out, "model.json"), "w") as f:
    json.dump(model, f)
