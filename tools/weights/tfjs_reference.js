#!/usr/bin/env node
// Independent reference for converted Keras/TF.js models: runs a standard TF.js layers model
// (model.json + binary shards, e.g. from nsfwjs_to_tfjs.js) with TensorFlow.js's own CPU
// kernels and writes raw float32 outputs for a parity test to compare against.
//
//   node tfjs_reference.js --model DIR/model.json --input FILE --shape N,H,W,3
//        [--layer NAME --pooled_out FILE] [--full_out FILE]
//        [--preprocess keras|nsfwjs|none] [--batch B] [--node_modules DIR]
//   node tfjs_reference.js --model DIR/model.json --list_layers [--node_modules DIR]
//
// --input: raw little-endian float32 pixels, NHWC, RGB, values 0..255 (N*H*W*3*4 bytes; see
//   make_parity_inputs.py). --preprocess keras (default) feeds x/127.5 - 1 (Keras's
//   inception_v3/mobilenet_v2 preprocess_input); nsfwjs feeds x/255 (what the nsfwjs package
//   itself does); none feeds x unchanged.
// --pooled_out: the output of layer NAME averaged over H and W, N x C float32 (one forward pass
//   through tf.model({inputs: model.inputs, outputs: [layer.output, ...model.outputs]})).
// --full_out: the model's own output, N x K float32 (N x 5 softmax for nsfwjs).
// Shapes and timings go to stderr; nothing goes to stdout except --list_layers's table.
// Where @tensorflow/tfjs comes from: --node_modules DIR, else NODE_PATH/normal resolution, else
// ${MAMMO_NPM_DIR:-/var/cache/mammo/npm}/node_modules (what tools/setup_npm.sh installs).
"use strict";

const fs = require("fs");
const path = require("path");

function fail(message) {
  process.stderr.write(`tfjs_reference: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const flags = new Set(["--list_layers"]);
  const known = new Set(["--model", "--input", "--shape", "--layer", "--pooled_out", "--full_out",
                         "--preprocess", "--batch", "--node_modules"]);
  const a = { preprocess: "keras", batch: "8" };
  for (let i = 0; i < argv.length; i++) {
    let key = argv[i], value;
    const eq = key.indexOf("=");
    if (eq > 0) { value = key.slice(eq + 1); key = key.slice(0, eq); }
    if (flags.has(key)) { a[key.slice(2)] = true; continue; }
    if (!known.has(key)) fail(`unknown argument ${key} (see the header of ${__filename})`);
    if (value === undefined) {
      if (i + 1 >= argv.length) fail(`${key} needs a value`);
      value = argv[++i];
    }
    a[key.slice(2)] = value;
  }
  return a;
}

function loadTf(nodeModules) {
  const candidates = [];
  if (nodeModules) candidates.push(path.resolve(nodeModules, "@tensorflow", "tfjs"));
  candidates.push("@tensorflow/tfjs");
  candidates.push(path.join(process.env.MAMMO_NPM_DIR || "/var/cache/mammo/npm",
                            "node_modules", "@tensorflow", "tfjs"));
  const log = console.log;
  console.log = (...args) => process.stderr.write(args.join(" ") + "\n");  // tfjs's node banner
  try {
    for (const c of candidates) {
      try {
        return require(c);
      } catch (e) {
        if (e.code !== "MODULE_NOT_FOUND") throw e;
        if (nodeModules && c === candidates[0]) fail(`no @tensorflow/tfjs under ${nodeModules}`);
      }
    }
  } finally {
    console.log = log;
  }
  fail("cannot find @tensorflow/tfjs (run tools/setup.sh, or pass --node_modules DIR)");
}

function readModel(modelJson) {
  let j;
  try {
    j = JSON.parse(fs.readFileSync(modelJson, "utf8"));
  } catch (e) {
    fail(`cannot read ${modelJson}: ${e.message}`);
  }
  if (j.format && j.format !== "layers-model") fail(`${modelJson} is a ${j.format}, not a layers-model`);
  const dir = path.dirname(modelJson);
  const weightSpecs = [];
  const buffers = [];
  for (const group of j.weightsManifest || []) {
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return { modelTopology: j.modelTopology, weightSpecs, weightData };
}

function writeAtomic(file, floats) {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp${process.pid}`);
  fs.writeFileSync(tmp, Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength));
  fs.renameSync(tmp, file);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (!a.model) fail("--model DIR/model.json is required");
  const tf = loadTf(a.node_modules);
  await tf.setBackend("cpu");
  await tf.ready();

  let t0 = Date.now();
  const model = await tf.loadLayersModel(tf.io.fromMemory(readModel(a.model)));
  process.stderr.write(`tfjs_reference: tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}; ` +
                       `loaded ${a.model} (${model.layers.length} layers, input ` +
                       `${JSON.stringify(model.inputs[0].shape)}) in ${Date.now() - t0} ms\n`);
  if (a.list_layers) {
    for (const l of model.layers) {
      process.stdout.write(`${l.name}\t${l.getClassName()}\t${JSON.stringify(l.outputShape)}\n`);
    }
    return;
  }

  if (!a.input || !a.shape) fail("--input FILE and --shape N,H,W,3 are required");
  const shape = a.shape.split(",").map(Number);
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d <= 0) || shape[3] !== 3) {
    fail(`--shape ${a.shape}: expected N,H,W,3`);
  }
  const [n, h, w] = shape;
  const want = model.inputs[0].shape;  // [null, H, W, 3]: nsfwjs's heads Flatten a fixed-size pool
  for (let d = 1; d < 4; d++) {
    if (want[d] != null && want[d] !== shape[d]) {
      fail(`--shape ${a.shape} does not fit the model's input ${JSON.stringify(want)}`);
    }
  }
  const bytes = fs.readFileSync(a.input);
  if (bytes.length !== n * h * w * 3 * 4) {
    fail(`${a.input} has ${bytes.length} bytes, --shape ${a.shape} needs ${n * h * w * 3 * 4}`);
  }
  const pixels = new Float32Array(n * h * w * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bytes.readFloatLE(4 * i);
  if (!["keras", "nsfwjs", "none"].includes(a.preprocess)) fail(`--preprocess ${a.preprocess}?`);
  if (!a.pooled_out && !a.full_out) fail("nothing to do: give --pooled_out (with --layer) and/or --full_out");
  if (a.pooled_out && !a.layer) fail("--pooled_out needs --layer NAME");
  const batch = Number(a.batch);
  if (!Number.isInteger(batch) || batch <= 0) fail(`--batch ${a.batch}?`);

  const outputs = [];
  let layerRank = 0;
  if (a.layer) {
    let layer;
    try {
      layer = model.getLayer(a.layer);
    } catch (e) {
      fail(`no layer ${a.layer} in ${a.model} (--list_layers lists them)`);
    }
    layerRank = layer.output.shape.length;
    if (layerRank !== 4) fail(`layer ${a.layer} has output shape ${JSON.stringify(layer.output.shape)}, not NHWC`);
    outputs.push(layer.output);
  }
  outputs.push(...model.outputs);
  const runner = tf.model({ inputs: model.inputs, outputs });

  const pooled = [], full = [];
  t0 = Date.now();
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    const got = tf.tidy(() => {
      let x = tf.tensor4d(pixels.subarray(start * h * w * 3, (start + m) * h * w * 3), [m, h, w, 3]);
      if (a.preprocess === "keras") x = x.div(127.5).sub(1);
      else if (a.preprocess === "nsfwjs") x = x.div(255);
      let ys = runner.predict(x);
      if (!Array.isArray(ys)) ys = [ys];
      const r = [];
      if (a.layer) r.push(ys[0].mean([1, 2]));
      r.push(ys[ys.length - 1]);
      return r;
    });
    if (a.layer) pooled.push(got[0].dataSync().slice());
    full.push(got[got.length - 1].dataSync().slice());
    if (a.layer) process.stderr.write(`tfjs_reference: images ${start}..${start + m - 1}: ` +
                                      `${a.layer} ${JSON.stringify(outputs[0].shape)} pooled to ${JSON.stringify(got[0].shape)}\n`);
    tf.dispose(got);
  }
  const ms = Date.now() - t0;
  const concat = (parts) => {
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const fullAll = concat(full);
  const k = fullAll.length / n;
  process.stderr.write(`tfjs_reference: ${n} images of ${h}x${w} in ${ms} ms (${(ms / n).toFixed(0)} ms/image); ` +
                       `model output ${JSON.stringify(model.outputs[0].shape)} -> [${n},${k}]\n`);
  if (a.pooled_out) {
    const p = concat(pooled);
    writeAtomic(a.pooled_out, p);
    process.stderr.write(`tfjs_reference: wrote ${a.pooled_out}: [${n},${p.length / n}] float32\n`);
  }
  if (a.full_out) {
    writeAtomic(a.full_out, fullAll);
    process.stderr.write(`tfjs_reference: wrote ${a.full_out}: [${n},${k}] float32\n`);
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
