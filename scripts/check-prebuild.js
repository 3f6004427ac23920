#!/usr/bin/env node
'use strict';
// `prepack`: a tarball without the prebuilt addon would make every install compile (a C++ toolchain and
// a minute), so `npm pack` / `npm publish` stop here unless prebuilds/<platform>-<arch>/ holds an addon
// that `npm run prebuild` built against the pinned LibTorch and that is newer than the native sources.
const fs = require('fs');
const path = require('path');
const { DEFAULT_SPEC } = require('./fetch-libtorch.js');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

function newestSource() {
  const files = [path.join(root, 'CMakeLists.txt')];
  for (const f of fs.readdirSync(path.join(root, 'native'))) files.push(path.join(root, 'native', f));
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function problem() {
  const pinned = /==([0-9][0-9.]*)/.exec(DEFAULT_SPEC)[1];
  let record;
  try {
    record = JSON.parse(fs.readFileSync(path.join(dir, 'libtorch.json'), 'utf8'));
  } catch {
    return `no ${path.relative(root, dir)}/libtorch.json`;
  }
  const addon = fs.readdirSync(dir).find((f) => f.endsWith('.node'));
  if (!addon) return `no addon (.node) in ${path.relative(root, dir)}`;
  if (record.libtorchVersion !== pinned) return `the prebuild was built against LibTorch ${record.libtorchVersion}, not the pinned ${pinned}`;
  if (fs.statSync(path.join(dir, addon)).mtimeMs < newestSource()) return 'the prebuild is older than native/ or CMakeLists.txt';
  return null;
}

const why = problem();
if (why) {
  process.stderr.write(`small-dataset-audio: refusing to pack: ${why}.\nRun \`npm run prebuild\` (with LibTorch ${DEFAULT_SPEC} located) first.\n`);
  process.exit(1);
}
process.stderr.write(`small-dataset-audio: packing the prebuild in ${path.relative(root, dir)}\n`);
