/**
 * Fuzzes the torch-file reader (and the writer on what it reads): seeded mutations of the genuine
 * files, of small generated files (zip and legacy) and random opcode streams. Only TorchFileError may
 * escape; every case is timed.
 *
 *   npm run fuzz -- <cases> [--seed N] [--out DIR]
 *
 * Prints one JSON line of figures. Exit 1 on any non-TorchFileError failure or any case over 1 s.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PyDict,
  PyGlobal,
  PyObject,
  PyOrderedDict,
  PySet,
  PyTuple,
  TorchFileError,
  TorchParameter,
  TorchTensor,
  numpyArray,
  numpyScalar,
  readTorchFileSync,
  serializeTorchFile,
  tuple,
  type PyValue,
} from '../lib/torchfile';
import { serializeTorchFileChunks } from '../lib/torchfile/write';
import { ZipWriter } from '../lib/torchfile/zip-writer';
import { GENUINE_FILES } from '../test/helpers/torchfile';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Where failing inputs are saved (none when undefined). */
  outDir?: string;
  /** Genuine files to mutate (absent ones are skipped). */
  genuine?: string[];
  /** Cases over this many ms count as slow. */
  slowMs?: number;
}

export interface FuzzReport {
  cases: number;
  seed: number;
  ok: number;
  torchFileErrors: number;
  failures: number;
  failureSamples: string[];
  slowCases: number;
  maxCaseMs: number;
  totalMs: number;
  byKind: Record<string, number>;
  topReasons: Array<[string, number]>;
}

/** mulberry32 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The four torch files the torchfile tests read, from the repository's fixtures.
const DEFAULT_GENUINE = GENUINE_FILES;

function f32(shape: number[], r: () => number): TorchTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = r() * 2 - 1;
  return TorchTensor.fromTypedArray('float32', shape, d);
}

/** Small files resembling .sda files and checkpoints, written by our own writer. */
function miniCorpus(r: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const sd = new PyOrderedDict();
  const w = f32([4, 1, 3, 3], r);
  sd.set('encoder.convs.0.weight', w);
  sd.set('encoder.convs.0.bias', f32([4], r));
  sd.set('encoder.convs.1.num_batches_tracked', TorchTensor.fromTypedArray('int64', [], new BigInt64Array([7n])));
  sd.set('view', new TorchTensor({ storage: w.storage, shape: [3, 4], stride: [1, 3], storageOffset: 2 }));
  const meta = new PyOrderedDict();
  meta.set('', PyDict.fromObject({ version: 1n }));
  sd.states.push(PyDict.fromObject({ _metadata: meta }));
  const preset = new PyObject(new PyGlobal('small_dataset_audio.training.config', 'OverfittingPreset'), tuple('conservative'));
  const sda = PyDict.fromObject({
    format: 'sda_model',
    version: 1n,
    model_state_dict: sd,
    latent_dim: 64n,
    spectrogram_config: PyDict.fromObject({ sample_rate: 48000n, n_fft: 2048n, f_min: 0.0, f_max: null, power: 2.0 }),
    latent_analysis: PyDict.fromObject({
      pca_mean: numpyArray({ dtype: '<f4', shape: [3], data: new Uint8Array(12) }),
      pca_components: numpyArray({ dtype: '<f8', shape: [2, 3], data: new Uint8Array(48), fortranOrder: true }),
      n_active: numpyScalar('<i8', new Uint8Array(8)),
      labels: ['a', 'b'],
    }),
    training_config: PyDict.fromObject({ preset, nested: [tuple(1n, 2.5, 'x'), new PySet([1n, 2n], true)] }),
    metadata: PyDict.fromObject({ name: 'ünï', tags: ['x'], bytes: new Uint8Array([0, 255, 10]), big: 1n << 80n }),
  });
  out.push(serializeTorchFile(sda, { archiveName: 'mini' }));
  const opt = new PyDict();
  opt.set(0n, PyDict.fromObject({ step: f32([], r), exp_avg: f32([2, 2], r) }));
  opt.set(1n, PyDict.fromObject({ step: f32([], r) }));
  out.push(
    serializeTorchFile(
      PyDict.fromObject({
        optimizer_state_dict: PyDict.fromObject({ state: opt, param_groups: [PyDict.fromObject({ lr: 1e-3, betas: tuple(0.9, 0.999), params: [0n, 1n] })] }),
        param: new TorchParameter(f32([2], r)),
        epoch: 7n,
      }),
      { archiveName: 'ckpt' },
    ),
  );
  out.push(legacyFile());
  return out;
}

function bytesOf(...parts: Array<number[] | Uint8Array | string>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p as Uint8Array)));
  return Buffer.concat(chunks);
}

/** A small legacy-layout file (magic, protocol, sys info, object with a tensor, keys, storage). */
function legacyFile(): Uint8Array {
  const small = (v: PyValue): Uint8Array => {
    // the chunks are [local header, data.pkl bytes, descriptor, ...]
    return serializeTorchFileChunks(v, { archiveName: 'x' })[1];
  };
  const magic = small(0x1950a86a20f9469cfc6cn);
  const proto = small(1001n);
  const sys = small(PyDict.fromObject({ protocol_version: 1001n, little_endian: true, type_sizes: PyDict.fromObject({ short: 2n, int: 4n, long: 4n }) }));
  const bu = (s: string): Array<number[] | string> => {
    const b = Buffer.from(s, 'utf8');
    return [[0x58, b.length & 0xff, 0, 0, 0], s];
  };
  const pid = [[0x28], ...bu('storage'), 'ctorch\nFloatStorage\n', ...bu('0'), ...bu('cpu'), [0x4b, 6], [0x4e], [0x74]];
  const main = bytesOf(
    [0x80, 2, 0x7d, 0x28],
    ...bu('t'),
    'ctorch._utils\n_rebuild_tensor_v2\n',
    [0x28],
    ...pid,
    [0x51, 0x4b, 1, 0x4b, 2, 0x4b, 2, 0x86, 0x4b, 2, 0x4b, 1, 0x86, 0x89],
    'ccollections\nOrderedDict\n',
    [0x29, 0x52, 0x74, 0x52],
    ...bu('n'),
    [0x4b, 5, 0x75, 0x2e],
  );
  const keys = small(['0']);
  const storage = new Uint8Array(8 + 24);
  new DataView(storage.buffer).setBigInt64(0, 6n, true);
  return bytesOf(magic, proto, sys, main, keys, storage);
}

const OPCODES = [
  0x28, 0x2e, 0x30, 0x31, 0x32, 0x46, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x58, 0x61, 0x62, 0x63,
  0x64, 0x7d, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x5d, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x29, 0x75, 0x47, 0x80, 0x81, 0x82, 0x85, 0x86,
  0x87, 0x88, 0x89, 0x8a, 0x8b, 0x42, 0x43, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
];
const GLOBALS = [
  'collections\nOrderedDict\n',
  'torch._utils\n_rebuild_tensor_v2\n',
  'torch._utils\n_rebuild_parameter\n',
  'torch\nFloatStorage\n',
  'torch\nLongStorage\n',
  '_codecs\nencode\n',
  '__builtin__\nset\n',
  'builtins\nfrozenset\n',
  '__builtin__\nbytearray\n',
  'numpy._core.multiarray\n_reconstruct\n',
  'numpy\nndarray\n',
  'numpy\ndtype\n',
  'numpy.core.multiarray\nscalar\n',
  'os\nsystem\n',
  'm\nEnum\n',
];
const STRINGS = ['storage', '0', '1', 'cpu', 'latin1', 'f4', '<', 'b', '_metadata', ''];

/** A random opcode stream with plausible arguments. */
function randomPickle(r: () => number): Uint8Array {
  const n = 1 + Math.floor(r() * 120);
  const parts: number[] = [0x80, 2];
  const int = (k: number): number => Math.floor(r() * k);
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const str = (s: string): number[] => [...Buffer.from(s, 'utf8')];
  for (let i = 0; i < n; i++) {
    const op = r() < 0.15 ? [0x28, 0x74, 0x75, 0x52, 0x51, 0x62, 0x65][int(7)] : OPCODES[int(OPCODES.length)];
    parts.push(op);
    switch (op) {
      case 0x4b:
      case 0x68:
      case 0x71:
      case 0x80:
        parts.push(int(r() < 0.9 ? 8 : 256));
        break;
      case 0x4d:
        parts.push(int(256), int(256));
        break;
      case 0x4a:
      case 0x6a:
      case 0x72:
        parts.push(...u32(r() < 0.9 ? int(8) : int(2 ** 32)));
        break;
      case 0x47:
        for (let k = 0; k < 8; k++) parts.push(int(256));
        break;
      case 0x8a:
        parts.push(int(12), ...Array.from({ length: 12 }, () => int(256)));
        break;
      case 0x58: {
        const s = str(STRINGS[int(STRINGS.length)]);
        parts.push(...u32(r() < 0.95 ? s.length : int(2 ** 32)), ...s);
        break;
      }
      case 0x8c:
      case 0x55:
      case 0x43: {
        const s = str(STRINGS[int(STRINGS.length)]);
        parts.push(s.length, ...s);
        break;
      }
      case 0x63:
      case 0x69:
        parts.push(...str(GLOBALS[int(GLOBALS.length)]));
        break;
      case 0x46:
      case 0x49:
      case 0x4c:
      case 0x67:
      case 0x70:
      case 0x50:
        parts.push(...str(['1', '0.5', '01', '-7L', 'inf', 'x', '99999999999999999999'][int(7)] + '\n'));
        break;
      case 0x53:
      case 0x56:
        parts.push(...str(["'a\\x41b'", '"q"', 'abc\\u00e9', "'\\"][int(4)] + '\n'));
        break;
      case 0x95:
      case 0x8d:
      case 0x8e:
      case 0x96: {
        const len = int(16);
        parts.push(len, 0, 0, 0, 0, 0, 0, 0, ...Array.from({ length: len }, () => int(256)));
        break;
      }
      default:
        break;
    }
  }
  parts.push(0x2e);
  return Uint8Array.from(parts);
}

function mutate(buf: Uint8Array, r: () => number): Uint8Array {
  const b = Buffer.from(buf);
  const k = 1 + Math.floor(r() * 8);
  let out: Uint8Array = b;
  for (let i = 0; i < k; i++) {
    const m = Math.floor(r() * 6);
    const at = Math.floor(r() * out.length);
    if (m <= 2) out[at] = Math.floor(r() * 256);
    else if (m === 3) out = out.subarray(0, at);
    else if (m === 4) out = Buffer.concat([out.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + Math.floor(r() * 16)))]);
  }
  return out;
}

interface Genuine {
  buf: Uint8Array;
  pklStart: number;
  pklEnd: number;
}

function loadGenuine(files: string[]): Genuine[] {
  const out: Genuine[] = [];
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const buf = new Uint8Array(fs.readFileSync(f));
    // data.pkl is the first record; its data starts after the local header.
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const start = 30 + dv.getUint16(26, true) + dv.getUint16(28, true);
    const end = buf.indexOf(0x2e, start) > 0 ? findPklEnd(buf, start) : start;
    out.push({ buf, pklStart: start, pklEnd: end });
  }
  return out;
}

function findPklEnd(buf: Uint8Array, start: number): number {
  // the data descriptor signature after data.pkl
  for (let i = start; i + 4 <= buf.length; i++) {
    if (buf[i] === 0x50 && buf[i + 1] === 0x4b && buf[i + 2] === 0x07 && buf[i + 3] === 0x08) return i;
  }
  return start;
}

/** Runs one input; returns the error reason class, or throws a non-TorchFileError. */
function runCase(input: Uint8Array, write: boolean): 'ok' | string {
  try {
    const f = readTorchFileSync(input);
    if (write) serializeTorchFileChunks(f.value);
    return 'ok';
  } catch (e) {
    if (e instanceof TorchFileError) return e.reason.replace(/\d+/g, 'N').slice(0, 60);
    throw e;
  }
}

export function runFuzz(opts: FuzzOptions): FuzzReport {
  const r = rng(opts.seed);
  const slowMs = opts.slowMs ?? 1000;
  const genuine = loadGenuine(opts.genuine ?? DEFAULT_GENUINE);
  const mini = miniCorpus(rng(opts.seed ^ 0x5eed));
  const report: FuzzReport = {
    cases: 0,
    seed: opts.seed,
    ok: 0,
    torchFileErrors: 0,
    failures: 0,
    failureSamples: [],
    slowCases: 0,
    maxCaseMs: 0,
    totalMs: 0,
    byKind: {},
    topReasons: [],
  };
  const reasons = new Map<string, number>();
  const t0 = performance.now();
  for (let c = 0; c < opts.cases; c++) {
    const pick = r();
    let kind: string;
    let input: Uint8Array;
    let restore: (() => void) | null = null;
    let write = true;
    if (pick < 0.3 && genuine.length > 0) {
      // in-place mutation of a genuine file (restored afterwards; no 12 MB copies)
      const g = genuine[Math.floor(r() * genuine.length)];
      const saved: Array<[number, number]> = [];
      const k = 1 + Math.floor(r() * 6);
      const inPkl = r() < 0.8;
      for (let i = 0; i < k; i++) {
        const at = inPkl ? g.pklStart + Math.floor(r() * (g.pklEnd - g.pklStart)) : r() < 0.5 ? Math.floor(r() * 4096) : g.buf.length - 1 - Math.floor(r() * 8192);
        saved.push([at, g.buf[at]]);
        g.buf[at] = r() < 0.5 ? Math.floor(r() * 256) : g.buf[Math.floor(r() * g.buf.length)];
      }
      restore = () => {
        for (let i = saved.length - 1; i >= 0; i--) g.buf[saved[i][0]] = saved[i][1];
      };
      input = r() < 0.1 ? g.buf.subarray(0, Math.floor(r() * g.buf.length)) : g.buf;
      kind = 'genuine';
      write = false;
    } else if (pick < 0.75) {
      input = mutate(mini[Math.floor(r() * mini.length)], r);
      kind = 'mini';
    } else {
      const pkl = randomPickle(r);
      if (r() < 0.2) {
        // as a legacy file body
        input = pkl;
        kind = 'opcodes-raw';
      } else {
        input = buildZip(pkl);
        kind = 'opcodes-zip';
      }
    }
    const start = performance.now();
    let outcome: string;
    try {
      outcome = runCase(input, write);
    } catch (e) {
      outcome = 'FAILURE';
      report.failures++;
      const msg = `case ${c} (${kind}): ${(e as Error)?.stack ?? String(e)}`;
      if (report.failureSamples.length < 10) report.failureSamples.push(msg.slice(0, 2000));
      if (opts.outDir) {
        fs.mkdirSync(opts.outDir, { recursive: true });
        fs.writeFileSync(path.join(opts.outDir, `seed${opts.seed}-case${c}.bin`), input);
      }
    } finally {
      if (restore) restore();
    }
    const ms = performance.now() - start;
    if (ms > report.maxCaseMs) report.maxCaseMs = ms;
    if (ms > slowMs) report.slowCases++;
    report.cases++;
    report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
    if (outcome === 'ok') report.ok++;
    else if (outcome !== 'FAILURE') {
      report.torchFileErrors++;
      reasons.set(outcome, (reasons.get(outcome) ?? 0) + 1);
    }
  }
  report.totalMs = performance.now() - t0;
  report.topReasons = [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return report;
}

function buildZip(pkl: Uint8Array): Uint8Array {
  // a minimal torch zip: data.pkl plus two small storage records
  const z = new ZipWriter();
  z.addRecord('archive/data.pkl', pkl);
  z.addRecord('archive/byteorder', Buffer.from('little'));
  z.addRecord('archive/data/0', new Uint8Array(64));
  z.addRecord('archive/data/1', new Uint8Array(8));
  return Buffer.concat(z.finish());
}

function main(argv: string[]): number {
  let cases = 100000;
  let seed = 1;
  let outDir: string | undefined = 'fuzz-failures';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i] === '--out') outDir = argv[++i];
    else if (/^\d+$/.test(argv[i])) cases = Number(argv[i]);
    else {
      console.error('usage: npm run fuzz -- <cases> [--seed N] [--out DIR]');
      return 2;
    }
  }
  const rep = runFuzz({ cases, seed, outDir });
  console.log(JSON.stringify(rep));
  return rep.failures > 0 || rep.slowCases > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
