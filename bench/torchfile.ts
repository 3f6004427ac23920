/**
 * Time to read the genuine .sda with readTorchFile versus reading the raw file, as JSON.
 *   npm run bench:torchfile [-- <iterations>]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTorchFile, readTorchFileSync, serializeTorchFile } from '../lib/torchfile';
import { TRAINED_SDA } from './paths';

const FILE = TRAINED_SDA;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 30);
  const raw: number[] = [];
  const full: number[] = [];
  const fromBytes: number[] = [];
  const skip: number[] = [];
  const write: number[] = [];
  for (let i = 0; i < iterations + 3; i++) {
    let t = performance.now();
    const buf = await fs.promises.readFile(FILE);
    const tRaw = performance.now() - t;
    t = performance.now();
    const f = await readTorchFile(FILE);
    const tFull = performance.now() - t;
    t = performance.now();
    readTorchFileSync(buf);
    const tBytes = performance.now() - t;
    t = performance.now();
    readTorchFileSync(FILE, { storages: 'skip' });
    const tSkip = performance.now() - t;
    t = performance.now();
    serializeTorchFile(f.value);
    const tWrite = performance.now() - t;
    if (i >= 3) {
      raw.push(tRaw);
      full.push(tFull);
      fromBytes.push(tBytes);
      skip.push(tSkip);
      write.push(tWrite);
    }
  }
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      file: path.basename(FILE),
      bytes: fs.statSync(FILE).size,
      iterations,
      median_ms: {
        raw_file_read: r(median(raw)),
        readTorchFile_path: r(median(full)),
        parse_from_bytes: r(median(fromBytes)),
        readTorchFile_skip_storages: r(median(skip)),
        serializeTorchFile: r(median(write)),
      },
      overhead_vs_raw_read: r(median(full) / median(raw)),
    }),
  );
}

void main();
