// The layers of docs/architecture.md hold: the checker passes on the tree, fails on a planted upward import
// and a planted cycle, and every module of lib/ is in a layer (a new folder has to be placed).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './helpers/paths';

const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ['lib', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function libFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? libFiles(p, base) : e.name.endsWith('.ts') ? [path.relative(path.dirname(base), p).split(path.sep).join('/')] : [];
  });
}

test('19.1 the layer checker passes on lib/, and every module of lib/ is in exactly one layer', () => {
  const r = cruise(ROOT);
  expect(r.out).toMatch(/no dependency violations found/);
  expect(r.status).toBe(0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const layers = (require(path.join(ROOT, '.dependency-cruiser.cjs')) as { layers: string[][] }).layers;
  const unplaced = libFiles(path.join(ROOT, 'lib')).filter((f) => layers.flat().filter((p) => new RegExp(`^${p}`).test(f)).length !== 1);
  expect(unplaced).toEqual([]);
});

test('19.2 an upward import and a cycle are refused, each naming its rule and its files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-layers-'));
  try {
    fs.cpSync(path.join(ROOT, 'lib'), path.join(tmp, 'lib'), { recursive: true });
    for (const f of ['.dependency-cruiser.cjs', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(tmp, f));
    expect(cruise(tmp).status).toBe(0);
    // The model format reaching up into the CLI.
    fs.appendFileSync(path.join(tmp, 'lib/model/format.ts'), "import '../cli/program';\n");
    let r = cruise(tmp);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/error layer-\d+-imports-up: lib\/model\/format\.ts → lib\/cli\/program\.ts/);
    fs.writeFileSync(path.join(tmp, 'lib/model/format.ts'), fs.readFileSync(path.join(ROOT, 'lib/model/format.ts')));
    expect(cruise(tmp).status).toBe(0);
    // Two generation modules importing each other, one of them for a type only.
    fs.appendFileSync(path.join(tmp, 'lib/generate/types.ts'), "import type { GenerationPipeline } from './pipeline';\nexport type P = GenerationPipeline;\n");
    r = cruise(tmp);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/error no-cycle: lib\/generate\/(types|pipeline)\.ts/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
