#!/usr/bin/env bash
# Prepares, on this machine, what scripts/gpu-check.sh needs on a device machine that has no Node and no
# network, within the 64 MiB the working tree may take along: Node as .device/node.xz, the package's
# runtime dependencies only (.device/runtime/node_modules, no dev tools), and the TypeScript compiled to
# JavaScript (dist/, dist-bench/). Then run, with the device tool:
#   command: bash scripts/gpu-check.sh
#   carry:   [".device", "dist", "dist-bench"]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device
[ -f .device/node.xz ] || xz -T2 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
rm -rf .device/runtime && mkdir -p .device/runtime
cp package.json package-lock.json .device/runtime/
(cd .device/runtime && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
# The genuine fixtures are tracked (test/fixtures/genuine), so they travel with the working tree.
node_modules/.bin/tsc -p tsconfig.build.json
node_modules/.bin/tsc -p tsconfig.bench.json
du -sh .device/node.xz .device/runtime dist dist-bench
