/**
 * Leak check: many decode calls in one process; RSS growth must stay under the bound.
 * Prints JSON; exits 1 when the growth is over the bound.
 *
 *   npm run bench:leak -- [--calls 10000] [--device cpu] [--bound-mb 50]
 */
import { loadModel } from '../lib';
import { TRAINED_SDA } from './paths';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

async function main(): Promise<void> {
  const calls = Number(arg('calls', '10000'));
  const device = arg('device', 'cpu');
  const boundMb = Number(arg('bound-mb', '50'));
  const model = TRAINED_SDA;
  const m = await loadModel(model, { device });
  const z = new Float32Array(m.latentDim).map((_, i) => Math.cos(i));
  // Warm-up: allocator pools, thread pools and JIT settle before the baseline is taken.
  for (let i = 0; i < 200; i++) await m.model.decode(z);
  global.gc?.();
  const start = process.memoryUsage().rss;
  const t0 = Date.now();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    await m.model.decode(z);
    if (i % Math.max(1, Math.floor(calls / 10)) === 0) samples.push(mb(process.memoryUsage().rss));
  }
  global.gc?.();
  const end = process.memoryUsage().rss;
  m.dispose();
  const growth = mb(end - start);
  console.log(JSON.stringify({ bench: 'leak-decode', calls, device, seconds: (Date.now() - t0) / 1000, rssStartMb: mb(start), rssEndMb: mb(end), growthMb: growth, boundMb, rssSamplesMb: samples, pass: growth < boundMb }, null, 2));
  if (!(growth < boundMb)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
