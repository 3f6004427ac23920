#!/usr/bin/env bash
# Memory-error check of the native code: builds the addon with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ and runs test/leak/sanitize.js on it (load, decode, encode,
# mel, inverse mel, both Griffin-Lim paths with the edge shapes, refusals, bad arguments), then test/17's
# scenarios of a worker thread and a process that go with calls in flight. Any report
# fails the run. Needs `npm ci` (LibTorch located, TypeScript compiled) first.
#
# Node is not built with ASan, so the runtime is preloaded. Leak detection is off: Node and LibTorch keep
# process-lifetime allocations on purpose (growth is measured by scripts/leak-check.ts instead).
set -euo pipefail
cd "$(dirname "$0")/.."
loc="$(node -e "const l=require('./scripts/locate-libtorch.js').readLocation('.'); console.log(l.cmakeDir + '\n' + l.version)")"
cmake_dir="$(sed -n 1p <<<"$loc")"
version="$(sed -n 2p <<<"$loc")"
node node_modules/cmake-js/bin/cmake-js build --directory . --out build-asan --parallel "$(nproc)" \
  --CDSDA_TORCH_CMAKE_DIR="$cmake_dir" --CDSDA_LIBTORCH_VERSION="$version" --CDSDA_SANITIZE=ON \
  --CDCMAKE_BUILD_TYPE=RelWithDebInfo >build-asan.log 2>&1 || { tail -n 40 build-asan.log; exit 1; }
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
log="$(mktemp)"
set +e
SDA_ADDON_PATH=build-asan/Release/small_dataset_audio.node \
  LD_PRELOAD="$asan:$ubsan" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  node test/leak/sanitize.js 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$log"; then echo "sanitizer reports found" >&2; exit 1; fi
[ "$rc" -eq 0 ] || { echo "sanitize.js exited with $rc" >&2; exit 1; }
# Environments that go with calls in flight (test/17's scenarios): a worker thread terminated mid-call
# must exit 0, a process exiting mid-call with its own code 3, with no report either way.
for scenario in "worker" "exit 0" "exit 20" "exit 300"; do
  set +e
  # shellcheck disable=SC2086
  SDA_ADDON_PATH=build-asan/Release/small_dataset_audio.node \
    LD_PRELOAD="$asan:$ubsan" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    node test/helpers/native-lifecycle.js $scenario >"$log" 2>&1
  rc=$?
  set -e
  want=0
  [ "${scenario%% *}" = exit ] && want=3
  if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$log" || [ "$rc" -ne "$want" ]; then
    cat "$log"
    echo "native-lifecycle.js $scenario: exit $rc (want $want) or sanitizer reports" >&2
    exit 1
  fi
  echo "native-lifecycle.js $scenario: exit $rc, no reports"
done
echo "sanitizers: no reports"
