#!/usr/bin/env node
'use strict';
// The consumer type check (issue 22): the package's published .d.ts files, installed from the packed
// tarball into a fresh project that has nothing else (no @types of its own), must type-check with
// `tsc --noEmit --strict` under each module setting below and each TypeScript version asked for.
// The consumer's program is scripts/consumer-types/consumer.ts (ESM, every public API of the README) and,
// for node16/nodenext, consumer-cjs.cts (CommonJS). Any error fails the check.
//
//   node scripts/check-consumer-types.js [TARBALL] [--ts 5.6,latest] [--keep]
//
// Without TARBALL the package is packed from this checkout with `npm pack --ignore-scripts` (needs dist/,
// `npm run compile`). The tarball is installed once (`--ignore-scripts`: no LibTorch, no addon; types
// only); each TypeScript version is installed once into its own folder and run on that one project.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
/** The oldest TypeScript the README promises, and the newest. */
const DEFAULT_TS = ['5.6', 'latest'];
/** module / moduleResolution pairs a consumer may use; `preserve` needs TypeScript 5.4. */
const SETTINGS = [
  { name: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext', cjs: true },
  { name: 'node16', module: 'node16', moduleResolution: 'node16', cjs: true },
  { name: 'bundler+esnext', module: 'esnext', moduleResolution: 'bundler', cjs: false },
  { name: 'bundler+preserve', module: 'preserve', moduleResolution: 'bundler', cjs: false },
];

function parseArgs(argv) {
  const args = { tarball: null, ts: DEFAULT_TS, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ts') args.ts = String(argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--keep') args.keep = true;
    else if (!a.startsWith('-') && !args.tarball) args.tarball = path.resolve(a);
    else throw new Error(`unknown argument ${a}; usage: check-consumer-types.js [TARBALL] [--ts 5.6,latest] [--keep]`);
  }
  if (args.ts.length === 0) throw new Error('--ts needs a comma-separated list of TypeScript versions');
  return args;
}

const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] };
const npmEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

function npm(cwd, args) {
  return execFileSync('npm', args, { ...quiet, cwd, env: npmEnv });
}

function pack(dir) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.d.ts'))) throw new Error('dist/index.d.ts is missing: run `npm run compile` first, or pass a tarball');
  const name = npm(ROOT, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir]).trim().split('\n').pop();
  return path.join(dir, name);
}

function writeJson(file, value) {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** The consumer project: the tarball installed, the two programs, one tsconfig per setting. */
function makeProject(dir, tarball) {
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'package.json'), { name: 'sda-consumer', version: '1.0.0', private: true, type: 'module' });
  npm(dir, ['install', '--no-save', '--ignore-scripts', '--no-package-lock', tarball]);
  for (const f of ['consumer.ts', 'consumer-cjs.cts']) fs.copyFileSync(path.join(__dirname, 'consumer-types', f), path.join(dir, f));
  for (const s of SETTINGS) {
    writeJson(path.join(dir, `tsconfig.${s.name}.json`), {
      compilerOptions: { strict: true, noEmit: true, module: s.module, moduleResolution: s.moduleResolution },
      files: s.cjs ? ['consumer.ts', 'consumer-cjs.cts'] : ['consumer.ts'],
    });
  }
}

/** One TypeScript version in its own folder; returns [its version, the path of its tsc]. */
function installTypescript(dir, spec) {
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'package.json'), { name: 'ts-holder', version: '1.0.0', private: true });
  npm(dir, ['install', '--no-save', '--no-package-lock', `typescript@${spec}`]);
  const pkg = path.join(dir, 'node_modules', 'typescript');
  const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  return [version, path.join(pkg, 'bin', 'tsc')];
}

function atLeast(version, major, minor) {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-consumer-types-'));
  let failed = 0;
  let checked = 0;
  try {
    const tarball = args.tarball ?? pack(tmp);
    const project = path.join(tmp, 'consumer');
    makeProject(project, tarball);
    const typesDir = path.join(project, 'node_modules', '@types');
    const installed = fs.existsSync(typesDir) ? fs.readdirSync(typesDir).join(', ') : 'none';
    console.log(`consumer project: ${path.basename(tarball)} installed (node_modules/@types: ${installed})`);
    for (const spec of args.ts) {
      const [version, tsc] = installTypescript(path.join(tmp, `ts-${spec}`), spec);
      for (const s of SETTINGS) {
        const label = `typescript ${version} (${spec}), ${s.name}`;
        if (s.module === 'preserve' && !atLeast(version, 5, 4)) {
          console.log(`skip ${label}: module preserve needs TypeScript 5.4`);
          continue;
        }
        checked++;
        const r = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${s.name}.json`], { cwd: project, encoding: 'utf8' });
        const out = `${r.stdout}${r.stderr}`.trim();
        const errors = (out.match(/error TS\d+/g) || []).length;
        if (r.status === 0 && errors === 0) {
          console.log(`ok   ${label}`);
        } else {
          failed++;
          console.log(`FAIL ${label}: ${errors} error(s)\n${out.replace(/^/gm, '     ')}`);
        }
      }
    }
  } finally {
    if (args.keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (failed > 0) {
    console.error(`consumer type check: ${failed} of ${checked} configurations failed`);
    process.exit(1);
  }
  console.log(`consumer type check: ${checked} configurations, no errors`);
}

main();
