#!/usr/bin/env node
// The TensorFlow.js peer of `weights convert --from tfjs` for bench/weights_bench.sh: loads the
// same layers model (model.json + its binary shards, uint8-quantised for nsfwjs) from files
// with tf.io.fromMemory and tf.loadLayersModel, on the CPU backend, then materialises every
// weight as float32 with dataSync (the layers model dequantises them while it loads).
//
//   node bench/weights_peer.js DIR/model.json [NODE_MODULES_DIR]
//
// Prints "weights: N float32 values in W tensors" and "load+read ms: X" (in-process time,
// from before reading model.json to the last dataSync, so without Node's start-up or
// require("@tensorflow/tfjs")); the benchmark itself times the whole process.
"use strict";

const fs = require("fs");
const path = require("path");

function loadTf(nodeModules) {
  const dir = nodeModules || path.join(process.env.MAMMO_NPM_DIR || "/var/cache/mammo/npm",
                                       "node_modules");
  const log = console.log;
  console.log = (...args) => process.stderr.write(args.join(" ") + "\n");  // tfjs's node banner
  try {
    return require(path.join(dir, "@tensorflow", "tfjs"));
  } finally {
    console.log = log;
  }
}

async function main() {
  const modelJson = process.argv[2];
  if (!modelJson) {
    process.stderr.write("usage: weights_peer.js DIR/model.json [NODE_MODULES_DIR]\n");
    process.exit(1);
  }
  const tf = loadTf(process.argv[3]);
  await tf.setBackend("cpu");
  await tf.ready();

  const t0 = process.hrtime.bigint();
  const j = JSON.parse(fs.readFileSync(modelJson, "utf8"));
  const dir = path.dirname(modelJson);
  const weightSpecs = [];
  const buffers = [];
  for (const group of j.weightsManifest) {
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs, weightData }));
  let values = 0, tensors = 0;
  for (const w of model.weights) {
    const data = w.read().dataSync();
    if (!(data instanceof Float32Array)) throw new Error(`${w.name} is not float32`);
    values += data.length;
    tensors++;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`weights: ${values} float32 values in ${tensors} tensors\n`);
  process.stdout.write(`load+read ms: ${ms.toFixed(1)}\n`);
}

main().catch((e) => {
  process.stderr.write(`weights_peer: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
