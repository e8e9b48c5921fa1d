#!/usr/bin/env bash
# Runs a command (the npm scripts: test, demo, eval, bench, chaos) on Node 22 or newer. rekindle
# runs its TypeScript directly, which older Node cannot; when this shell's node is older, the
# Node 24 that `npm run setup` installed in ~/.cache/node24 goes first on PATH, so
# `npm run setup && npm test` works in the shell that ran setup, as the README says.
set -euo pipefail
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 22 ]; then
  dir="$HOME/.cache/node24/node_modules/.bin"
  if [ ! -x "$dir/node" ]; then
    echo "rekindle needs Node 22.12 or newer (this is $(node --version 2>/dev/null || echo 'no node')): run npm run setup, or install Node 24" >&2
    exit 1
  fi
  export PATH="$dir:$PATH"
fi
exec "$@"
