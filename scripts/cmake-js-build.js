#!/usr/bin/env node
'use strict';
// Builds the addon from source with cmake-js against the located LibTorch.
// Also serves as prebuildify's `--node-gyp` program: prebuildify can only drive node-gyp, so it calls
// this script with node-gyp style arguments (`rebuild --target=...`), which are ignored: a Node-API
// addon built here is the same for every Node version.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { readLocation } = require('./locate-libtorch.js');

function onPath(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, cmd)));
}

function buildAddon(packageRoot) {
  const loc = readLocation(packageRoot);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [
    cmakeJs, 'rebuild',
    '--directory', packageRoot,
    '--out', path.join(packageRoot, 'build'),
    '--parallel', String(Math.max(1, os.cpus().length)),
    `--CDSDA_TORCH_CMAKE_DIR=${loc.cmakeDir}`,
    `--CDSDA_LIBTORCH_VERSION=${loc.version}`,
  ];
  if (process.env.SDA_TORCH_DIRECT === '1' || (loc.cudaBuild && !onPath('nvcc'))) args.push('--CDSDA_TORCH_DIRECT=ON');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: packageRoot });
  if (r.error) throw r.error;
  return r.status;
}

module.exports = { buildAddon };

if (require.main === module) {
  process.exit(buildAddon(path.resolve(__dirname, '..')));
}
