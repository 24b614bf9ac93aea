#!/usr/bin/env bash
# npm run deploy:local — deploy the `local` stack on this machine's Docker engine, doing all set-up:
# dependencies, a file state backend under .pulumi-local/ (ignored by git), a generated passphrase for
# the stack's secrets, stack init, then `pulumi up`. Checks come first, so it never half-deploys.
set -euo pipefail
cd "$(dirname "$0")/.."
stack=local
state_dir="$PWD/.pulumi-local"

if ! command -v pulumi >/dev/null 2>&1; then
  cat >&2 <<'HINT'
deploy:local: the Pulumi CLI is not on PATH, and `pulumi up` needs it. Nothing was changed.
Install it, then run `npm run deploy:local` again:
  curl -fsSL https://get.pulumi.com | sh        # Linux/macOS; adds ~/.pulumi/bin to PATH
  brew install pulumi/tap/pulumi                # macOS with Homebrew
  https://www.pulumi.com/docs/iac/download-install/
Without the CLI, `npm run plan -- local` shows what the stack would create.
HINT
  exit 127
fi
if ! docker info >/dev/null 2>&1; then
  echo "deploy:local: no Docker engine answers on this machine (docker info failed). Start Docker, then run this again. Nothing was changed." >&2
  exit 1
fi

[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund

mkdir -p "$state_dir/state"
if [ ! -s "$state_dir/passphrase" ]; then
  # The local stack's secrets are encrypted with this passphrase; it never leaves this folder.
  (umask 077 && head -c 32 /dev/urandom | base64 > "$state_dir/passphrase")
fi
export PULUMI_BACKEND_URL="file://$state_dir/state"
export PULUMI_CONFIG_PASSPHRASE_FILE="$state_dir/passphrase"
export PULUMI_SKIP_UPDATE_CHECK=true

pulumi stack select "$stack" --create --secrets-provider passphrase --non-interactive
# Images build on the local base image from contexts prepared here: no registry is needed.
bash tools/build-base-image.sh
npx tsx tools/build-image-contexts.ts
pulumi up --stack "$stack" --yes --non-interactive --skip-preview=false
