#!/usr/bin/env node
// Turns one of nsfwjs's bundled models into a standard TensorFlow.js model folder.
//
//   node nsfwjs_to_tfjs.js NSFWJS_PACKAGE_DIR MODEL OUT_DIR
//
// NSFWJS_PACKAGE_DIR is the extracted npm package (it holds package.json and dist/), MODEL one of
// dist/models/*: inception_v3, mobilenet_v2 (Keras layers models) or mobilenet_v2_mid (a graph
// model, written with its own format). nsfwjs ships each model as browserify-style CommonJS
// modules: dist/models/MODEL/model.min.js exports {modelTopology, weightsManifest} (a JS
// literal, not JSON) and each group1-shardNofM.min.js exports the base64 text of one binary
// weight shard; dist/cjs/core.js (JSONHandler) decodes and concatenates them in manifest order.
//
// OUT_DIR gets model.json (strict JSON: format, generatedBy, convertedBy, modelTopology,
// weightsManifest) and one binary file per weightsManifest[].paths entry, named exactly so: the
// layout tensorflowjs_converter writes and tf.loadLayersModel("file://...") reads. Every file is
// written to a temporary name and renamed; model.json comes last, so its presence means the
// folder is complete. Before writing, the decoded byte total is checked against what the
// manifest's weights need (per-tensor uint8/uint16/float16 quantisation, or plain float32/int32/
// bool); a mismatch fails naming the model and shard. CommonJS, no dependencies.
"use strict";

const fs = require("fs");
const path = require("path");

function fail(message) {
  process.stderr.write(`nsfwjs_to_tfjs: ${message}\n`);
  process.exit(1);
}

const BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

// Bytes one manifest entry occupies in the concatenated weight data.
function weightBytes(model, w) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const dtype = w.quantization ? w.quantization.dtype : w.dtype;
  if (!(dtype in BYTES)) fail(`${model}: weight ${w.name} has unsupported dtype ${dtype}`);
  return n * BYTES[dtype];
}

// Evaluates a bundle as CommonJS whatever the nearest package.json's "type" says (nsfwjs marks
// dist/models as commonjs, but a copied folder may not be).
function loadCommonJs(file) {
  const m = { exports: {} };
  new Function("module", "exports", "require", fs.readFileSync(file, "utf8"))(m, m.exports, require);
  return m.exports;
}

function decodeShard(model, file) {
  let text = loadCommonJs(file);
  if (text && typeof text === "object" && typeof text.default === "string") text = text.default;
  if (typeof text !== "string") fail(`${model}: ${path.basename(file)} does not export a string`);
  text = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    fail(`${model}: ${path.basename(file)} is not valid base64`);
  }
  const bytes = Buffer.from(text, "base64");
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (bytes.length !== (text.length / 4) * 3 - pad) {
    fail(`${model}: ${path.basename(file)} decodes to ${bytes.length} bytes, expected ${(text.length / 4) * 3 - pad}`);
  }
  return bytes;
}

function writeAtomic(file, data) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp${process.pid}`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function main(argv) {
  if (argv.length !== 3) {
    process.stderr.write("usage: node nsfwjs_to_tfjs.js NSFWJS_PACKAGE_DIR MODEL OUT_DIR\n");
    process.exit(2);
  }
  const [pkgDir, model, outDir] = argv;
  if (!/^[A-Za-z0-9_]+$/.test(model)) fail(`bad model name ${JSON.stringify(model)}`);
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  } catch (e) {
    fail(`${pkgDir} is not an extracted npm package (${e.message})`);
  }
  const modelDir = path.resolve(pkgDir, "dist", "models", model);
  const topFile = path.join(modelDir, "model.min.js");
  if (!fs.existsSync(topFile)) fail(`${model}: no ${topFile}`);

  let top = loadCommonJs(topFile);
  if (top && top.default && top.default.modelTopology) top = top.default;
  if (!top || !top.modelTopology || !Array.isArray(top.weightsManifest)) {
    fail(`${model}: model.min.js does not export {modelTopology, weightsManifest}`);
  }

  // Decode every shard, in manifest order (the order JSONHandler concatenates them in).
  const shards = [];
  let needed = 0;
  for (const group of top.weightsManifest) {
    for (const w of group.weights) needed += weightBytes(model, w);
    for (const p of group.paths) {
      if (!/^[A-Za-z0-9_.-]+$/.test(p)) fail(`${model}: unsafe shard path ${JSON.stringify(p)}`);
      const file = path.join(modelDir, `${p}.min.js`);
      if (!fs.existsSync(file)) fail(`${model}: shard ${p}: no ${file}`);
      shards.push({ name: p, bytes: decodeShard(model, file) });
    }
  }
  const total = shards.reduce((a, s) => a + s.bytes.length, 0);
  if (total !== needed) {
    // Writers cut shards at one fixed size, so the odd one out (or else the last) is to blame.
    const size0 = shards[0] ? shards[0].bytes.length : 0;
    let bad = shards.slice(0, -1).find((s) => s.bytes.length !== size0) || shards[shards.length - 1];
    fail(`${model}: shard ${bad ? bad.name : "(none)"} (${bad ? bad.bytes.length : 0} bytes): ` +
         `the ${shards.length} shards decode to ${total} bytes but weightsManifest needs ${needed}`);
  }

  const kerasVersion = top.modelTopology.keras_version;
  const out = {
    format: top.format || "layers-model",
    generatedBy: top.generatedBy || (kerasVersion ? `keras v${kerasVersion}` : "unknown"),
    convertedBy: `mammo nsfwjs_to_tfjs.js from nsfwjs ${pkg.version}`,
    modelTopology: top.modelTopology,
    weightsManifest: top.weightsManifest,
  };
  if (top.userDefinedMetadata) out.userDefinedMetadata = top.userDefinedMetadata;
  const json = JSON.stringify(out, (key, value) => {
    if (typeof value === "number" && !Number.isFinite(value)) {
      fail(`${model}: non-finite number at key ${JSON.stringify(key)} cannot be written as JSON`);
    }
    if (value === undefined || typeof value === "function") {
      fail(`${model}: ${typeof value} at key ${JSON.stringify(key)} cannot be written as JSON`);
    }
    return value;
  });

  fs.mkdirSync(outDir, { recursive: true });
  for (const s of shards) writeAtomic(path.join(outDir, s.name), s.bytes);
  writeAtomic(path.join(outDir, "model.json"), json);
  process.stderr.write(`nsfwjs_to_tfjs: ${model}: model.json (${out.format}, ${out.generatedBy}) and ` +
                       `${shards.length} shards, ${total} bytes of weights, in ${outDir}\n`);
}

main(process.argv.slice(2));
