#!/usr/bin/env bash
# Checks the GitHub workflows with actionlint, built from its Go module at a pinned version into
# .cache/bin (git-ignored) the first time. Part of npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.7.12
bin=.cache/bin/actionlint-$version
if [[ ! -x $bin ]]; then
  command -v go >/dev/null || { echo "actionlint: Go is needed to build it (https://go.dev/dl/)" >&2; exit 127; }
  mkdir -p .cache/bin
  GOBIN="$PWD/.cache/bin" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
  mv .cache/bin/actionlint "$bin"
fi
"$bin" .github/workflows/*.yml && echo "actionlint $version: .github/workflows clean ($(ls .github/workflows/*.yml | wc -l) workflows)"
