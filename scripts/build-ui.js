#!/usr/bin/env node
// Builds the `sda ui` page at package build time (npm run compile / prepare): ui/app.ts bundled and
// minified by esbuild, with ui/index.html and ui/app.css, into dist/ui/page, which the package ships.
// Nothing is fetched at run time. esbuild is a devDependency: a published package never runs this.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'ui', 'page');

async function main() {
  // Type-check the page first (esbuild strips types without checking them): ui/tsconfig.json, DOM types.
  const { spawnSync } = require('child_process');
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'ui')], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('the page does not type-check (npx tsc -p ui)');
  const esbuild = require('esbuild');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'ui', 'app.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16'],
    outfile: path.join(out, 'app.js'),
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'app.css']) fs.copyFileSync(path.join(root, 'ui', f), path.join(out, f));
}

main().catch((e) => {
  console.error(`build-ui: ${e.message}`);
  process.exit(1);
});
