/**
 * bench/decode: loadModel time for the genuine trained .sda next to Python's torch.load + module
 * construction (measured in the same run when Python torch is installed), and decode latency for
 * batches of 1, 16 and 64 on a device. Prints JSON.
 *
 *   npm run bench:decode -- [--device cpu|cuda|...] [--model file.sda] [--repeats N]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { getNumThreads, libtorchVersion, loadModel } from '../lib';
import { ROOT, TRAINED_SDA } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** C-order little-endian float32 .npy (the genuine refs used here are). */
function readNpyFloat32(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const body = buf.subarray(10 + headerLen);
  return new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const device = arg('device', 'cpu');
  const repeats = Number(arg('repeats', '10'));
  const model = path.resolve(arg('model', TRAINED_SDA));

  const loadMs: number[] = [];
  for (let i = 0; i < repeats + 1; i++) {
    const t0 = performance.now();
    const m = await loadModel(model, { device });
    loadMs.push(performance.now() - t0);
    m.dispose();
  }
  const [coldLoadMs, ...warmLoadMs] = loadMs; // the first includes loading LibTorch and the addon

  let python: unknown = null;
  const py = spawnSync('python3', [path.join(ROOT, 'bench/python/load_model_py.py'), model, String(repeats)], { encoding: 'utf8' });
  if (py.status === 0) {
    const r = JSON.parse(py.stdout) as { seconds: number[]; torch: string; threads: number };
    python = { torch: r.torch, threads: r.threads, loadMsMedian: round(median(r.seconds.map((s) => s * 1000))), loadMsAll: r.seconds.map((s) => round(s * 1000)) };
  } else {
    python = { unavailable: (py.stderr || String(py.error)).trim().split('\n').pop() };
  }

  const m = await loadModel(model, { device });
  // Parity with the Python app's decoder output when the model is the genuine fixture (refs beside it).
  let parity: unknown = null;
  const refs = path.join(path.dirname(model), '../refs');
  if (fs.existsSync(path.join(refs, 'decoded_mel.npy'))) {
    const z = readNpyFloat32(path.join(refs, 'z.npy'));
    const want = readNpyFloat32(path.join(refs, 'decoded_mel.npy'));
    const got = await m.model.decode(z);
    let maxAbsDiff = 0;
    for (let i = 0; i < got.data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got.data[i]! - want[i]!));
    parity = { reference: 'decoded_mel.npy', maxAbsDiff, within1e5: maxAbsDiff <= 1e-5 };
  }
  const decode: Record<string, unknown> = {};
  for (const batch of [1, 16, 64]) {
    const z = new Float32Array(batch * m.latentDim).map((_, i) => Math.sin(i * 12.9898) * 0.8);
    await m.model.decode(z); // warm-up
    const ms: number[] = [];
    const runs = batch === 64 ? Math.max(3, Math.floor(repeats / 2)) : repeats;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await m.model.decode(z);
      ms.push(performance.now() - t0);
    }
    decode[`batch${batch}`] = { msMedian: round(median(ms)), msPerItem: round(median(ms) / batch), runs };
  }
  m.dispose();

  console.log(JSON.stringify({
    bench: 'decode',
    model: path.basename(model),
    device,
    libtorch: libtorchVersion(),
    threads: getNumThreads(),
    loadModel: { coldMs: round(coldLoadMs!), warmMsMedian: round(median(warmLoadMs)), repeats },
    pythonTorchLoadPlusModule: python,
    parity,
    decode,
  }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
