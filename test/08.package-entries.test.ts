// The package's entries, as a program that installed it sees them: the exports map opens the main entry,
// `small-dataset-audio/queue` and package.json, and nothing else; the main entry's types never reach
// bullmq's. Runs the compiled dist/ (built by `npm run compile`, which `npm test` runs first).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './helpers/paths';

let app: string;
beforeAll(() => {
  // A project with the package installed: node_modules/small-dataset-audio is this repository.
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-entries-'));
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'small-dataset-audio'), 'dir');
});
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

function run(code: string, esm = false): string {
  const r = spawnSync(process.execPath, [...(esm ? ['--input-type=module'] : []), '-e', code], { cwd: app, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

test('08.1 require() and import() reach the main entry, ./queue and ./package.json; paths inside the package are closed', () => {
  const cjs = JSON.parse(
    run(`
      const main = require('small-dataset-audio');
      const queue = require('small-dataset-audio/queue');
      let deep;
      try { require('small-dataset-audio/dist/model/load-model.js'); deep = 'loaded'; } catch (e) { deep = e.code; }
      console.log(JSON.stringify({
        main: [typeof main.loadModel, typeof main.GenerationPipeline, typeof main.enqueueJobs],
        queue: Object.keys(queue).sort(),
        version: require('small-dataset-audio/package.json').version,
        deep,
      }));`),
  );
  expect(cjs).toEqual({
    main: ['function', 'function', 'undefined'],
    queue: ['DEFAULT_QUEUE_NAME', 'QueueError', 'enqueueJobs', 'followJobs', 'jobIdOf', 'jobStatuses', 'parseQueueUrl', 'startWorker'],
    version: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
  });
  const esm = run(
    `const main = await import('small-dataset-audio'); const queue = await import('small-dataset-audio/queue');
     let deep; try { await import('small-dataset-audio/dist/index.js'); deep = 'loaded'; } catch (e) { deep = e.code; }
     console.log([typeof main.loadModel, typeof queue.startWorker, deep].join(' '));`,
    true,
  );
  expect(esm).toBe('function function ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('08.2 loading the main entry does not load bullmq', () => {
  const loaded = run(`require('small-dataset-audio');
    console.log(Object.keys(require.cache).filter((f) => f.includes('/node_modules/bullmq/')).length);`);
  expect(loaded).toBe('0');
});

/** The packages that the declaration files reachable from `entry` import (relative imports followed). */
function typePackagesFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const base = path.resolve(path.dirname(file), spec);
        const next = [`${base}.d.ts`, path.join(base, 'index.d.ts')].find((f) => fs.existsSync(f));
        if (next === undefined) throw new Error(`${file}: ${spec} has no declaration file`);
        todo.push(next);
      } else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return packages;
}

test("08.3 the entries' declaration files exist; the main entry's types never reach bullmq, the queue's do", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string; default: string }>;
  };
  expect(Object.keys(pkg.exports).sort()).toEqual(['.', './package.json', './queue']);
  for (const target of Object.values(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : [target.types, target.default]) {
      expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
    }
  }
  const main = typePackagesFrom(path.join(ROOT, 'dist/index.d.ts'));
  expect([...main].filter((p) => p === 'bullmq' || p === 'ioredis')).toEqual([]);
  expect(typePackagesFrom(path.join(ROOT, 'dist/queue/index.d.ts')).has('bullmq')).toBe(true);
});

test('08.4 every relative link in the Markdown files the package ships leads to a file it ships (an installed package has no repository beside it)', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const shipped = new Set((JSON.parse(r.stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path));
  const markdown = [...shipped].filter((f) => f.endsWith('.md'));
  expect(markdown).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/vocabulary.md']));
  const dead: string[] = [];
  for (const file of markdown) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      if (!shipped.has(resolved)) dead.push(`${file} -> ${target}`);
    }
  }
  expect(dead).toEqual([]);
});

test('08.5 a strict TypeScript consumer with no @types of its own type-checks every API the README shows', () => {
  // As TypeScript 6 and later do by default, the consumer names no `types`: Node's types must come from the
  // package's own declaration files. scripts/check-consumer-types.js runs the full matrix on the tarball.
  const consumer = path.join(app, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const f of ['consumer.ts', 'consumer-cjs.cts']) fs.copyFileSync(path.join(ROOT, 'scripts', 'consumer-types', f), path.join(consumer, f));
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', types: [] }, files: ['consumer.ts', 'consumer-cjs.cts'] }),
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer, encoding: 'utf8' });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
}, 120_000);
