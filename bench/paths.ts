/** Paths for benches, the same whether run from bench/ (tsx) or compiled into dist-bench/bench/. */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(dir: string): string {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'bench'))) return d;
  }
  throw new Error(`no package root above ${dir}`);
}

export const ROOT = findRoot(__dirname);
/** Genuine fixtures: $SDA_GENUINE, else the copy the repository carries (test/fixtures/genuine). */
export const GENUINE = process.env.SDA_GENUINE ?? path.join(ROOT, 'test/fixtures/genuine');
export const TRAINED_SDA = path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda');
