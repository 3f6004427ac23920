/**
 * Reading one HRIR pair from a SOFA file (AES69: netCDF-4, so HDF5) for binaural output, as Distill's
 * `audio/hrtf.py` does with sofar: the measurement whose SourcePosition (azimuth, elevation) is nearest
 * the requested direction, its first two receivers (left and right ear), and `Data.SamplingRate`.
 *
 * The file is read with h5wasm (HDF5 compiled to WebAssembly: no system library) in a worker thread:
 * h5wasm is an ES module, which this CommonJS package (and Jest) can only import from a plain Node
 * context, and the reads then never hold up the event loop. Only the chosen row of `Data.IR` is read,
 * after every size that drives an allocation is checked against the limits below. The reader may open
 * that one file and no other: data in other files (external links, external raw storage, virtual
 * datasets) is refused, as are impulse responses that are not finite, all zero or past `maxAbsValue`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HrtfError } from '../errors';
import { withFsErrorsAsync } from '../util/fs-error';

export interface SofaHrir {
  /** Left-ear impulse response (receiver 0), float32 as Distill casts it. */
  left: Float32Array;
  /** Right-ear impulse response (receiver 1). */
  right: Float32Array;
  /** `Data.SamplingRate`, truncated to an integer as Distill does. */
  sampleRate: number;
  /** The chosen measurement's source azimuth and elevation in degrees. */
  azimuth: number;
  elevation: number;
  /** Measurements in the file (M). */
  measurements: number;
}

/**
 * Limits on what a SOFA file may declare. HRIRs are hundreds of taps and files hold at most tens of
 * thousands of directions; past these the file is refused before anything of that size is allocated.
 */
export const SOFA_LIMITS = Object.freeze({
  /** Taps per impulse response (N): 1.4 s at 48 kHz, far past any HRIR. */
  maxTaps: 65536,
  /** Measurements (M). */
  maxMeasurements: 200000,
  /** Receivers (R); binaural uses the first two. */
  maxReceivers: 1024,
  /** Elements of one stored chunk of Data.IR (reading a row decompresses whole chunks): 128 MB of float64. */
  maxChunkElements: 1 << 24,
  /** Seconds the read may take before it is given up. */
  timeoutS: 60,
  /**
   * Largest |value| of an impulse response. Measured HRIRs peak near 1; this leaves 80 dB of room, and
   * keeps the convolution far from float32's range (65,536 taps x 1e4 x a sample of at most 1).
   */
  maxAbsValue: 1e4,
});

/**
 * Distill's direction: azimuth 90, elevation 0 degrees. SOFA measures azimuth counter-clockwise from the
 * front, so that is the listener's left side (Distill's docstring calls it the right).
 */
export const DEFAULT_HRTF_DIRECTION = Object.freeze({ azimuth: 90, elevation: 0 });

type WorkerReply = { problem: string } | Omit<SofaHrir, 'left' | 'right'> & { left: Float32Array; right: Float32Array };

/** Reads the HRIR pair nearest `direction` from the SOFA file at `file`. */
export async function readSofaHrir(file: string, direction: { azimuth: number; elevation: number } = DEFAULT_HRTF_DIRECTION): Promise<SofaHrir> {
  const stat = await withFsErrorsAsync('read', 'HRTF file', file, () => fs.promises.stat(file));
  if (!stat.isFile()) throw new HrtfError(file, 'not a file (give the path of a .sofa HRTF file)');
  const worker = new Worker(SOFA_WORKER_SOURCE, {
    eval: true,
    workerData: { h5wasmUrl: h5wasmUrl(), file: path.resolve(file), direction, limits: SOFA_LIMITS },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      timer = setTimeout(() => reject(new HrtfError(file, `reading took more than ${SOFA_LIMITS.timeoutS} s; given up`)), SOFA_LIMITS.timeoutS * 1000);
      worker.once('message', resolve);
      worker.once('error', (e) => reject(new HrtfError(file, `cannot be read as a SOFA file: ${e.message}`, { cause: e })));
      worker.once('exit', (code) => reject(new HrtfError(file, `the SOFA reader stopped (exit ${code}) before reading the file`)));
    });
    if ('problem' in reply) throw new HrtfError(file, reply.problem);
    return reply;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

/** h5wasm's Node build, found by path: its package exports only an `import` condition, which require() does not see. */
function h5wasmUrl(): string {
  for (const dir of require.resolve.paths('h5wasm') ?? []) {
    const entry = path.join(dir, 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    if (fs.existsSync(entry)) return pathToFileURL(entry).href;
  }
  throw new HrtfError('h5wasm', 'the HDF5 reader (npm package h5wasm, a dependency of small-dataset-audio) is not installed');
}

/**
 * The worker's program, plain JavaScript run as given: a function's own text (toString) would carry what
 * the build or a test runner adds to it (helper calls, coverage counters) that the worker does not have.
 * Replies `{problem}` for a file it refuses, else the pair.
 */
const SOFA_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { h5wasmUrl, file, direction, limits } = workerData;
const first = (v) => (Array.isArray(v) || ArrayBuffer.isView(v) ? v[0] : v);
const path = require('node:path');
// HDF5 prints its error stack for a file it cannot open, and h5wasm writes it to fd 2 with fs.writeSync
// (past the worker's own stderr stream): dropped here, in this thread's fs only; the reply says what is
// wrong in words.
const fs = require('node:fs');
const writeSync = fs.writeSync;
fs.writeSync = (fd, data, ...rest) => {
  if (fd !== 2) return writeSync(fd, data, ...rest);
  return typeof data === 'string' ? Buffer.byteLength(data) : (rest[1] ?? data.byteLength - (rest[0] ?? 0));
};
// h5wasm opens files through this thread's fs.openSync (Emscripten's NODERAWFS): any file but the one
// given (an external link's target, external raw storage, a virtual dataset's source) is refused here,
// whatever HDF5 feature asked for it. A refused file that exists is what the reply names (HDF5 also
// probes its plugin folder, which does not exist here).
const openSync = fs.openSync;
let otherFile = null;
fs.openSync = (p, ...rest) => {
  if (path.resolve(String(p)) === file) return openSync(p, ...rest);
  if (otherFile === null && fs.statSync(String(p), { throwIfNoEntry: false })?.isFile()) otherFile = String(p);
  throw Object.assign(new Error('refused: ' + String(p)), { code: 'EACCES' });
};
// Whatever else went wrong, a refused file is the answer.
const reply = (m) =>
  parentPort.postMessage(otherFile === null ? m : { problem: 'its data is in another file (' + JSON.stringify(otherFile.slice(0, 200)) + ': an external link or external storage); refused' });
(async () => {
  // import(), not require(): h5wasm is an ES module.
  const h5 = await import(h5wasmUrl);
  await h5.ready;
  const f = new h5.File(file, 'r');
  if (!(f.file_id >= 0n)) return reply({ problem: 'not an HDF5 file, so not a SOFA file (HDF5 cannot open it)' });
  try {
    const conventions = String(first(f.attrs?.Conventions?.value) ?? '');
    if (conventions !== 'SOFA') return reply({ problem: 'not a SOFA file: its global attribute Conventions is ' + JSON.stringify(conventions || null) + ', not "SOFA"' });
    const ir = f.get('Data.IR');
    if (!ir || ir.type !== 'Dataset') return reply({ problem: 'no Data.IR dataset: binaural output needs impulse responses (SOFA convention SimpleFreeFieldHRIR)' });
    const meta = ir.metadata;
    const shape = ir.shape ?? [];
    if (shape.length !== 3) return reply({ problem: 'Data.IR must have 3 dimensions [M, R, N]; it has shape [' + shape.join(', ') + ']' });
    const [m, r, n] = shape;
    if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8)) return reply({ problem: 'Data.IR is not float32 or float64' });
    if (meta.virtual_sources?.length) return reply({ problem: 'Data.IR is a virtual dataset (data in other files); refused' });
    if (m < 1 || m > limits.maxMeasurements) return reply({ problem: 'Data.IR has ' + m + ' measurements; 1 to ' + limits.maxMeasurements + ' are accepted' });
    if (r < 2 || r > limits.maxReceivers) return reply({ problem: 'Data.IR has ' + r + ' receivers; binaural needs 2 (left, right), at most ' + limits.maxReceivers + ' are accepted' });
    if (n < 1 || n > limits.maxTaps) return reply({ problem: 'Data.IR impulse responses have ' + n + ' samples; 1 to ' + limits.maxTaps + ' are accepted' });
    const chunk = (meta.chunks ?? []).reduce((a, b) => a * b, 1);
    if (chunk > limits.maxChunkElements) return reply({ problem: 'Data.IR is stored in chunks of ' + chunk + ' values; at most ' + limits.maxChunkElements + ' are accepted' });

    const rateSet = f.get('Data.SamplingRate');
    if (!rateSet || rateSet.type !== 'Dataset' || !(rateSet.metadata.total_size >= 1)) return reply({ problem: 'no Data.SamplingRate dataset' });
    const rate = Math.trunc(Number(first(rateSet.slice([[0, 1]]))));
    if (!(rate >= 1000 && rate <= 768000)) return reply({ problem: 'Data.SamplingRate ' + rate + ' Hz is not from 1000 to 768000' });

    const pos = f.get('SourcePosition');
    if (!pos || pos.type !== 'Dataset') return reply({ problem: 'no SourcePosition dataset (the direction of each measurement)' });
    const ps = pos.shape ?? [];
    if (ps.length !== 2 || ps[1] !== 3 || (ps[0] !== m && ps[0] !== 1)) return reply({ problem: 'SourcePosition must have shape [' + m + ', 3] or [1, 3]; it has [' + ps.join(', ') + ']' });
    if (pos.metadata.type !== 1) return reply({ problem: 'SourcePosition is not floating point' });
    const xyz = Float64Array.from(pos.value);
    const type = String(first(pos.attrs?.Type?.value) ?? 'spherical').toLowerCase();
    // Distill (sofar) takes columns 0 and 1 as azimuth and elevation in degrees, the SOFA spherical
    // layout. A cartesian file is converted to that first, so the nearest direction means the same.
    const rows = ps[0];
    const angles = new Float64Array(rows * 2);
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < rows; i++) {
      let az = xyz[i * 3];
      let el = xyz[i * 3 + 1];
      if (type === 'cartesian') {
        const [x, y, z] = [az, el, xyz[i * 3 + 2]];
        az = (Math.atan2(y, x) * 180) / Math.PI;
        el = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI;
        if (az < 0) az += 360;
      }
      if (!Number.isFinite(az) || !Number.isFinite(el)) return reply({ problem: 'SourcePosition row ' + i + ' is not finite' });
      angles[i * 2] = az;
      angles[i * 2 + 1] = el;
      const d = Math.sqrt((az - direction.azimuth) ** 2 + (el - direction.elevation) ** 2);
      if (d < bestD) [best, bestD] = [i, d]; // the first of equal distances, as numpy's argmin
    }
    // With one SourcePosition row for all measurements (SOFA allows it) row 0 is the pick, as in Distill.
    const data = ir.slice([[best, best + 1], [0, 2], []]);
    if (!(data instanceof Float32Array || data instanceof Float64Array) || data.length !== 2 * n) {
      return reply({ problem: 'Data.IR could not be read as floating-point values' });
    }
    let peak = 0;
    for (let i = 0; i < data.length; i++) {
      const v = Math.abs(data[i]);
      if (!(v <= limits.maxAbsValue)) {
        const what = Number.isNaN(v) ? 'NaN' : v === Infinity ? 'an infinite value' : 'the value ' + data[i];
        return reply({ problem: 'Data.IR measurement ' + best + ' holds ' + what + '; impulse responses must be finite, at most ' + limits.maxAbsValue + ' in magnitude' });
      }
      if (v > peak) peak = v;
    }
    if (peak === 0) return reply({ problem: 'Data.IR measurement ' + best + ' is all zeros: binaural output would be silence' });
    reply({
      left: Float32Array.from(data.subarray(0, n)),
      right: Float32Array.from(data.subarray(n, 2 * n)),
      sampleRate: rate,
      azimuth: angles[best * 2],
      elevation: angles[best * 2 + 1],
      measurements: m,
    });
  } finally {
    f.close();
  }
})().catch((e) => reply({ problem: 'cannot be read as a SOFA file: ' + (e && e.message ? e.message : String(e)) }));
`;
