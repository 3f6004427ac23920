#!/usr/bin/env node
'use strict';
// Prints paths of the located LibTorch for binding.gyp (`<!@(node scripts/libtorch-paths.js include)`).
const path = require('path');
const { readLocation } = require('./locate-libtorch.js');

const loc = readLocation(path.resolve(__dirname, '..'));
const what = process.argv[2];
if (what === 'include') process.stdout.write(loc.includeDirs.join(' '));
else if (what === 'libdir') process.stdout.write(loc.libDir);
else if (what === 'version') process.stdout.write(loc.version);
else {
  process.stderr.write('usage: libtorch-paths.js include|libdir|version\n');
  process.exit(2);
}
