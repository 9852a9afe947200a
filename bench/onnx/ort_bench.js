#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node) timed the way `coreinfer bench -m MODEL.onnx --batch ...`
// times coreinfer: same inputs (--input files with the batch dimension tiled or cut, else random
// inputs of the declared shapes with integer ids 0), one warm-up run, then timed runs until at
// least 5 runs and 2 s; one JSON line per batch size in coreinfer's format.
//
//   node bench/onnx/ort_bench.js -m MODEL.onnx --batch 1,8,32 -t 2 [--input NAME=FILE.pb ...] [--json]
//   node bench/onnx/ort_bench.js -m MODEL.onnx -t 2 --input NAME=FILE.pb ... --output-dir DIR
//       (one run on the inputs as given; writes each output as DIR/<name>.npy)
//
// onnxruntime-node is looked up in $ORT_NODE_DIR (default: build/ort-node of this checkout), then the usual way.
'use strict';
const fs = require('fs');
const path = require('path');

function loadOrt() {
  const base = process.env.ORT_NODE_DIR || path.join(__dirname, '..', '..', 'build', 'ort-node');
  const dir = path.resolve(base, 'node_modules', 'onnxruntime-node');
  try {
    return require(dir);
  } catch (e) {
    try {
      return require('onnxruntime-node');
    } catch (e2) {
      console.error(`onnxruntime-node not found in ${dir}: install it with\n` +
        '  mkdir -p build/ort-node && cd build/ort-node && npm init -y && ' +
        'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0');
      process.exit(1);
    }
  }
}

function parseArgs(argv) {
  const o = { model: '', batches: [], threads: 2, inputs: [], json: false, repeats: 0, minSeconds: 2, outputDir: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-m' || a === '--model') o.model = next();
    else if (a === '--batch') o.batches = next().split(',').map(Number);
    else if (a === '-t' || a === '--threads') o.threads = Number(next());
    else if (a === '--input') o.inputs.push(next());
    else if (a === '--json') o.json = true;
    else if (a === '-r' || a === '--repeats') o.repeats = Number(next());
    else if (a === '--min-seconds') o.minSeconds = Number(next());
    else if (a === '--output-dir') o.outputDir = next();
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!o.model) throw new Error('-m MODEL.onnx is required');
  if (o.batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error('--batch takes positive integers, e.g. 1,8,32');
  if (!Number.isInteger(o.threads) || o.threads < 1) throw new Error('-t takes a positive integer');
  return o;
}

// ONNX TensorProto data types and their onnxruntime-node names / typed arrays.
const ONNX_TYPES = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array], 6: ['int32', Int32Array],
  7: ['int64', BigInt64Array], 9: ['bool', Uint8Array], 11: ['float64', Float64Array],
};

// A minimal TensorProto reader: dims (1), data_type (2), name (8), raw_data (9), float_data (4),
// int32_data (5), int64_data (7). That covers numpy_helper.from_array and the ONNX test data.
function readTensorPb(file) {
  const buf = fs.readFileSync(file);
  let pos = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error(`${file}: truncated varint`);
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return result;
      shift += 7n;
    }
  };
  const dims = [];
  let dataType = 0;
  let name = '';
  let raw = null;
  const floats = [];
  const ints = [];
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) dims.push(Number(v));
      else if (field === 2) dataType = Number(v);
      else if (field === 5 || field === 7) ints.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      const len = Number(varint());
      const end = pos + len;
      if (end > buf.length) throw new Error(`${file}: truncated field ${field}`);
      if (field === 8) name = buf.toString('utf8', pos, end);
      else if (field === 9) raw = buf.subarray(pos, end);
      else if (field === 4) for (let p = pos; p < end; p += 4) floats.push(buf.readFloatLE(p));
      else if (field === 1 || field === 5 || field === 7) {
        const save = pos;
        while (pos < end) {
          const v = varint();
          if (field === 1) dims.push(Number(v));
          else ints.push(BigInt.asIntN(64, v));
        }
        pos = save;
      }
      pos = end;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`${file}: unsupported protobuf wire type ${wire}`);
  }
  const t = ONNX_TYPES[dataType];
  if (!t) throw new Error(`${file}: tensor data type ${dataType} not supported here`);
  const [type, Typed] = t;
  const count = dims.reduce((a, b) => a * b, 1);
  let data;
  if (raw) {
    const copy = new Uint8Array(raw); // aligned copy
    data = new Typed(copy.buffer, 0, copy.byteLength / Typed.BYTES_PER_ELEMENT);
  } else if (type === 'float32') data = Float32Array.from(floats);
  else if (type === 'int64') data = BigInt64Array.from(ints);
  else data = Typed.from(ints.map(Number));
  if (data.length !== count) throw new Error(`${file}: ${data.length} values for shape [${dims}]`);
  return { name, type, dims, data };
}

// The tensor with its dim 0 tiled or cut to `batch` (as coreinfer bench does).
function rebatch(t, batch) {
  if (t.dims.length === 0 || t.dims[0] === batch) return t;
  const row = t.data.length / t.dims[0];
  const data = new t.data.constructor(row * batch);
  for (let b = 0; b < batch; b++) data.set(t.data.subarray((b % t.dims[0]) * row, (b % t.dims[0] + 1) * row), b * row);
  return { ...t, dims: [batch, ...t.dims.slice(1)], data };
}

// Random data of the declared shape with dim 0 = batch, other symbolic dims 1; ids are 0.
function randomInput(meta, batch) {
  const entry = Object.values(ONNX_TYPES).find(([n]) => n === meta.type);
  if (!entry) throw new Error(`input '${meta.name}' of type ${meta.type}: give it with --input`);
  const dims = meta.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' && d >= 0 ? d : 1));
  const data = new entry[1](dims.reduce((a, b) => a * b, 1));
  if (meta.type === 'float32') for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
  else if (meta.type === 'uint8') for (let i = 0; i < data.length; i++) data[i] = Math.floor(Math.random() * 256);
  return { name: meta.name, type: meta.type, dims, data };
}

function writeNpy(file, tensor) {
  const descr = { float32: '<f4', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', float64: '<f8', bool: '|b1' }[tensor.type];
  if (!descr) throw new Error(`cannot write ${tensor.type} as .npy`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93]).copy(pre, 0);
  pre.write('NUMPY', 1, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(o.model, {
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const given = {};
  for (const spec of o.inputs) {
    const eq = spec.indexOf('=');
    const file = eq >= 0 ? spec.slice(eq + 1) : spec;
    const t = readTensorPb(file);
    const name = eq >= 0 ? spec.slice(0, eq) : t.name || session.inputNames[0];
    if (!session.inputNames.includes(name)) throw new Error(`the model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    given[name] = t;
  }
  const feedsFor = (batch) => {
    const feeds = {};
    for (const meta of session.inputMetadata) {
      const t = given[meta.name] ? (batch ? rebatch(given[meta.name], batch) : given[meta.name]) : randomInput(meta, batch || 1);
      feeds[meta.name] = new ort.Tensor(t.type, t.data, t.dims);
    }
    return feeds;
  };

  if (o.outputDir) {
    const outputs = await session.run(feedsFor(0));
    fs.mkdirSync(o.outputDir, { recursive: true });
    for (const name of session.outputNames) {
      const v = outputs[name];
      const file = path.join(o.outputDir, name.replace(/[/\\:]/g, '_') + '.npy');
      writeNpy(file, { type: v.type, dims: v.dims, data: v.data });
      console.error(`wrote ${file} ${v.type} [${v.dims.join(',')}]`);
    }
    return;
  }

  const batches = o.batches.length ? o.batches : [1];
  for (const batch of batches) {
    const feeds = feedsFor(batch);
    await session.run(feeds); // warm-up
    const ms = [];
    const start = process.hrtime.bigint();
    for (;;) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      const t1 = process.hrtime.bigint();
      ms.push(Number(t1 - t0) / 1e6);
      const elapsed = Number(t1 - start) / 1e9;
      if (o.repeats > 0 ? ms.length >= o.repeats : ms.length >= 5 && elapsed > o.minSeconds) break;
    }
    const sorted = [...ms].sort((a, b) => a - b);
    const total = ms.reduce((a, b) => a + b, 0);
    const itemsPerS = (batch * ms.length) / (total / 1000);
    const p50 = percentile(sorted, 0.5);
    const p90 = percentile(sorted, 0.9);
    if (o.json) {
      console.log(JSON.stringify({ engine: 'onnxruntime', version: ort.env.versions.common, model: o.model, batch,
        threads: o.threads, runs: ms.length, p50_ms: +p50.toFixed(4), p90_ms: +p90.toFixed(4), items_per_s: +itemsPerS.toFixed(2) }));
    } else {
      console.log(`batch ${batch}: p50 ${p50.toFixed(3)} ms, p90 ${p90.toFixed(3)} ms, ${itemsPerS.toFixed(1)} items/s ` +
        `(${ms.length} runs, ${o.threads} threads)`);
    }
  }
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
