#!/usr/bin/env bash
# CI: two empty projects install the packed tarball at the same time on a machine whose LibTorch is
# nowhere yet (an empty user cache, a Python without torch): exactly one downloads it into the cache,
# the other waits and uses it, both record the cache folder, and a later `npm rebuild` downloads nothing.
# Usage: ci-check-shared-libtorch.sh <tarball> <scratch folder>
set -euo pipefail
tarball="$1"
work="$2"
cache="$work/libtorch-cache"
entry="$cache/$(node -p 'process.platform + "-" + process.arch')-torch-2.13.0+cpu"
# pip without torch: the install must not find LibTorch in Python.
python3 -m venv "$work/python-without-torch"
export SDA_PYTHON="$work/python-without-torch/bin/python" SDA_LIBTORCH_CACHE="$cache"
"$SDA_PYTHON" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is not None)'

pids=()
for p in a b; do
  mkdir -p "$work/$p"
  (cd "$work/$p" && npm init -y >/dev/null && npm install --no-save --foreground-scripts "$tarball" > install.log 2>&1) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || { tail -n 30 "$work"/{a,b}/install.log >&2; echo "an install failed" >&2; exit 1; }; done
grep -h 'small-dataset-audio:' "$work/a/install.log" "$work/b/install.log"

downloads="$(cat "$work/a/install.log" "$work/b/install.log" | grep -c 'downloading torch==2.13.0+cpu with pip' || true)"
[ "$downloads" = 1 ] || { echo "expected one download for two projects, saw $downloads" >&2; exit 1; }
# Whether the second install found the lock held depends on npm's timing (test/10.9 makes the overlap
# certain); either way there was one download.
if cat "$work/a/install.log" "$work/b/install.log" | grep -q 'waiting for pid [0-9]*, which is setting up LibTorch'; then
  echo "the installs overlapped: one waited for the other's download"
else
  echo "the installs did not overlap: the second found the cache filled"
fi
cat "$work/a/install.log" "$work/b/install.log" | grep -qE 'downloading LibTorch: [0-9.]+ of [0-9.]+ MB \(100 %\)' || { echo "no download progress line" >&2; exit 1; }
[ "$(ls -A "$cache")" = "$(basename "$entry")" ] || { echo "the cache holds more than one folder: $(ls -A "$cache")" >&2; exit 1; }
for p in a b; do
  node -e '
    const loc = require(process.argv[1] + "/node_modules/small-dataset-audio/libtorch-location.json");
    if (loc.foundBy !== "cache" || loc.root !== process.argv[2]) throw new Error(`${process.argv[1]}: ${loc.foundBy} ${loc.root}`);' "$work/$p" "$entry"
  [ ! -e "$work/$p/node_modules/small-dataset-audio/libtorch" ] || { echo "$p has its own libtorch/" >&2; exit 1; }
done
(cd "$work/b" && npx --no-install sda doctor | tee doctor.txt && grep -q 'found via cache' doctor.txt)
(cd "$work/a" && npm rebuild --foreground-scripts small-dataset-audio > rebuild.log 2>&1)
if grep -q 'downloading' "$work/a/rebuild.log"; then echo "npm rebuild downloaded LibTorch again" >&2; exit 1; fi
grep -q '(cache) at '"$entry" "$work/a/rebuild.log" || { cat "$work/a/rebuild.log" >&2; echo "npm rebuild did not use the cache" >&2; exit 1; }
echo "two projects, one LibTorch download: ok ($(du -sh "$entry" | cut -f1) in $entry)"
