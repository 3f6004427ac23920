'use strict';
// Fills the project-local libtorch/ from the torch wheel that the package index serves: LibTorch ships
// inside it (torch/include, torch/lib, torch/share/cmake). pip does the download because it already
// knows this machine's index and mirrors; Python's zipfile extracts only what building and running
// need (about 480 MB instead of the whole wheel). The result appears atomically (built beside, renamed).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const DEFAULT_SPEC = 'torch==2.13.0+cpu';
// Runtime libraries the addon needs (CUDA ones only exist in CUDA wheels); libtorch_python, libshm,
// libtorch_global_deps and the test libraries are left out.
const KEEP_LIBS = '^(libc10(_cuda)?|libtorch(_cpu|_cuda)?|libgomp[^/]*)\\.so[.0-9]*$';

const EXTRACT_PY = `
import re, sys, zipfile
wheel, dest, keep = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if not n.endswith('/') and (
        n.startswith('torch/include/') or n.startswith('torch/share/cmake/') or
        (n.startswith('torch/lib/') and n.count('/') == 2 and keep.match(n[len('torch/lib/'):])))]
    for n in names:
        z.extract(n, dest)
print(len(names))
`;

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${what}: could not run ${cmd} (${r.error.code || r.error.message})`);
  if (r.status !== 0) {
    const tail = `${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${what} failed (exit ${r.status}): ${tail}`);
  }
  return r.stdout;
}

function fetchLibtorch(dest, { python = process.env.SDA_PYTHON || 'python3', spec = process.env.SDA_TORCH_PIP_SPEC || DEFAULT_SPEC, log = (m) => process.stderr.write(`small-dataset-audio: ${m}\n`) } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-libtorch-'));
  const staging = `${dest}.partial-${process.pid}`;
  try {
    log(`downloading ${spec} with pip to extract LibTorch (a wheel of about 200 MB; about 480 MB is unpacked)...`);
    run(python, ['-m', 'pip', 'download', spec, '--no-deps', '--only-binary=:all:', '-d', work], `pip download ${spec}`);
    const wheel = fs.readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip download ${spec} produced no wheel`);
    log(`extracting LibTorch from ${wheel} into ${dest}...`);
    fs.rmSync(staging, { recursive: true, force: true });
    run(python, ['-c', EXTRACT_PY, path.join(work, wheel), staging, KEEP_LIBS], 'extracting the wheel');
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(path.join(staging, 'torch'), dest);
    return dest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Fills <packageRoot>/libtorch and records it as the located LibTorch; returns the location. Shared by
 * `npm run setup-libtorch` (a clone) and `sda setup-libtorch` (an installed package, where npm scripts
 * of the package cannot be run).
 */
function setupLibtorch(packageRoot, options = {}) {
  const locate = require('./locate-libtorch.js');
  fetchLibtorch(path.join(packageRoot, 'libtorch'), options);
  // LIBTORCH is cleared so the folder just filled is what gets recorded.
  const loc = locate.locateLibtorch({ packageRoot, env: { ...process.env, LIBTORCH: '' } });
  locate.writeLocation(packageRoot, loc);
  return loc;
}

module.exports = { fetchLibtorch, setupLibtorch, DEFAULT_SPEC };

if (require.main === module) {
  try {
    const loc = setupLibtorch(path.resolve(__dirname, '..'));
    process.stderr.write(`small-dataset-audio: LibTorch ${loc.version} ready at ${loc.root}\n`);
  } catch (err) {
    process.stderr.write(`small-dataset-audio: ${err.message}\n`);
    process.exit(1);
  }
}
