#!/usr/bin/env bash
# GPU check for a lent device machine (PyTorch with CUDA as python3, CMake, a compiler; no Node, no
# network). Prepare here with scripts/gpu-prepare.sh, then run this there in one call, carrying
# .device, dist and dist-bench. It builds the addon against that PyTorch's LibTorch, checks decode
# parity with the genuine references on `cuda`, generates on `cuda` (one clip, and 100 clips of 10 s),
# and prints timings as JSON. Logs go to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-$PWD/gpu-check-out}"
mkdir -p "$out"
exec > >(tee "$out/gpu-check.log") 2>&1

if ! command -v node >/dev/null; then
  mkdir -p .device/bin
  xz -dc .device/node.xz > .device/bin/node
  chmod +x .device/bin/node
  export PATH="$PWD/.device/bin:$PATH"
fi
[ -e node_modules ] || ln -s .device/runtime/node_modules node_modules
node --version
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'devices', torch.cuda.device_count())"

# The locator finds that PyTorch (a Python torch, step 3); the addon is compiled against it.
rm -f libtorch-location.json
rm -rf build
SDA_NO_FETCH=1 node scripts/install.js --build-from-source
node dist/cli/sda.js doctor --json | tee "$out/doctor.json"

# Parity with the Python references and timings, on the GPU and on this machine's CPU.
node dist-bench/bench/decode.js --device cuda --repeats 20 | tee "$out/bench-decode-cuda.json"
node dist-bench/bench/decode.js --device cpu --repeats 10 | tee "$out/bench-decode-cpu.json"
node dist-bench/bench/leak-decode.js --device cuda --calls 10000 | tee "$out/leak-cuda.json"

# Generation on the GPU: 1/10/60 s clips, and a batch of 100 clips of 10 s (real-time factor).
node dist-bench/bench/generate.js --device cuda --durations 1,10,60 | tee "$out/bench-generate-cuda.json"
node dist-bench/bench/generate.js --device cuda --batch 100 --duration 10 | tee "$out/bench-generate-batch-cuda.json"
node dist-bench/bench/batch.js --device cuda --jobs 100 --duration 10 | tee "$out/bench-batch-cuda.json"
echo "gpu-check: done"
