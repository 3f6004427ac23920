'use strict';
// `npm install` / `npm ci` step: locate LibTorch (downloading it into the user cache only as a last
// resort, once per machine), record where it is, then use the prebuilt addon when it was built against
// the same LibTorch version, otherwise build from source.
//   --build-from-source   always compile (also: npm install --build-from-source)
//   --record-prebuild     after `prebuildify`: record which LibTorch the prebuild was built against
const fs = require('fs');
const path = require('path');
const locate = require('./locate-libtorch.js');
const { fetchLibtorch, progressPrinter } = require('./fetch-libtorch.js');

const packageRoot = path.resolve(__dirname, '..');
const prebuildDir = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuildRecord = path.join(prebuildDir, 'libtorch.json');

function log(msg) {
  process.stderr.write(`small-dataset-audio: ${msg}\n`);
}

function readPrebuildRecord() {
  try {
    const rec = JSON.parse(fs.readFileSync(prebuildRecord, 'utf8'));
    const hasNode = fs.readdirSync(prebuildDir).some((f) => f.endsWith('.node'));
    return hasNode ? rec : null;
  } catch {
    return null;
  }
}

function main(argv) {
  const fetch = process.env.SDA_NO_FETCH === '1' ? null : (dest) => fetchLibtorch(dest, { log, onProgress: progressPrinter() });
  let loc;
  try {
    loc = locate.locateLibtorch({ packageRoot, fetch });
  } catch (err) {
    log(err.message);
    return 1;
  }
  locate.writeLocation(packageRoot, loc);
  log(`LibTorch ${loc.version} (${loc.foundBy}) at ${loc.root}`);

  if (argv.includes('--record-prebuild')) {
    fs.mkdirSync(prebuildDir, { recursive: true });
    fs.writeFileSync(prebuildRecord, `${JSON.stringify({ libtorchVersion: loc.version, cudaBuild: loc.cudaBuild }, null, 2)}\n`);
    log(`recorded prebuild for LibTorch ${loc.version} in ${path.relative(packageRoot, prebuildRecord)}`);
    return 0;
  }

  const force = argv.includes('--build-from-source') || process.env.npm_config_build_from_source === 'true';
  const rec = readPrebuildRecord();
  if (!force && rec) {
    if (rec.libtorchVersion === loc.version) {
      log(`using the prebuilt addon (built against LibTorch ${rec.libtorchVersion}); no compiler needed`);
      return 0;
    }
    log(`the prebuilt addon was built against LibTorch ${rec.libtorchVersion}, not ${loc.version}: building from source`);
  }
  log('building the addon from source with cmake-js (about a minute on 2 cores)...');
  const status = require('./cmake-js-build.js').buildAddon(packageRoot);
  if (status !== 0) log(`the native build failed (exit ${status}); see the compiler output above`);
  return status;
}

process.exit(main(process.argv.slice(2)));
