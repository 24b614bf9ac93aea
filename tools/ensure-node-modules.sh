#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing or older than package-lock.json, so
# that the README's two commands work on a fresh clone in either order.
set -euo pipefail
cd "$(dirname "$0")/.."
marker=node_modules/.package-lock.json
if [[ ! -f $marker || package-lock.json -nt $marker ]]; then
  echo "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
