#!/usr/bin/env bash
# Runs one of the two set-up commands at the top of README.md exactly as written there, so CI checks
# what a reader will type: `readme-command.sh main` or `readme-command.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  main) tag='# main job' ;;
  test) tag='# tests' ;;
  *) echo "usage: $0 main|test" >&2; exit 2 ;;
esac
cmd="$(grep -F -- "$tag" README.md | head -n 1 | sed "s/[[:space:]]*$tag.*//")"
[ -n "$cmd" ] || { echo "README.md has no line tagged '$tag'" >&2; exit 2; }
echo "+ $cmd"
bash -euo pipefail -c "$cmd"
