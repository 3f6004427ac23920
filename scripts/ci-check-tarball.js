'use strict';
// CI packaging check, run inside an empty project where the packed tarball was just installed:
// the package and its queue entry load with require, `npx sda doctor --json` reports LibTorch and devices, and the
// prebuild was used (nothing was compiled).
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const proj = process.argv[2];
const pkgDir = path.join(proj, 'node_modules', 'small-dataset-audio');
const sda = require(require.resolve('small-dataset-audio', { paths: [proj] }));

assert.strictEqual(typeof sda.libtorchVersion, 'function', 'public API exports libtorchVersion');
// The second entry of the exports map, and the map's closing of paths inside the package.
const queue = require(require.resolve('small-dataset-audio/queue', { paths: [proj] }));
assert.strictEqual(typeof queue.enqueueJobs, 'function', 'small-dataset-audio/queue exports enqueueJobs');
assert.throws(() => require.resolve('small-dataset-audio/dist/index.js', { paths: [proj] }), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
const version = sda.libtorchVersion();
const out = execFileSync('npx', ['--no-install', 'sda', 'doctor', '--json'], { cwd: proj, encoding: 'utf8' });
const report = JSON.parse(out);
assert.strictEqual(report.libtorch.version, version, 'doctor and the API agree on the LibTorch version');
assert.strictEqual(report.libtorch.version, '2.13.0', 'the torch==2.13.0 wheel is what CI installs');
assert.ok(report.devices.some((d) => d.id === 'cpu'), 'cpu is listed');
assert.ok(report.ok, `doctor reports problems: ${report.problems}`);
assert.ok(report.addon.prebuilt, `the prebuild is in use, not ${report.addon.path}`);
assert.ok(report.addon.path.startsWith(path.join(pkgDir, 'prebuilds')), report.addon.path);
assert.ok(!fs.existsSync(path.join(pkgDir, 'build')), 'no build/ folder: no compiler ran');
const log = fs.readFileSync(path.join(proj, 'install.log'), 'utf8');
assert.ok(/using the prebuilt addon/.test(log), 'install.log says the prebuild was used');
// The shipped demo model generates audio in the installed package.
const gen = JSON.parse(execFileSync('npx', ['--no-install', 'sda', 'generate', '--duration', '1', '--seed', '5', '--out', path.join(proj, 'out'), '--json', '--no-progress'], { cwd: proj, encoding: 'utf8' }));
assert.strictEqual(gen.length, 1);
assert.ok(fs.statSync(gen[0].wav).size > 48000 * 3, `a 1 s 24-bit WAV: ${gen[0].wav}`);
assert.ok(fs.existsSync(gen[0].sidecar), 'its sidecar');
console.log(`tarball install ok: LibTorch ${version} (${report.libtorch.foundBy}) at ${report.libtorch.path}; addon ${report.addon.path}`);
