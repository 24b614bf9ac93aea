#!/usr/bin/env bash
# Writes the per-package build/test/lint/typecheck files for packages/<name> (run once per new package).
set -euo pipefail
dir="packages/$1"
cat > "$dir/tsconfig.json" <<'J'
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src/**/*.ts"]
}
J
cat > "$dir/tsconfig.build.json" <<'J'
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "outDir": "dist", "rootDir": "src", "noEmit": false, "types": ["node"] },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts", "src/**/__fixtures__/**"]
}
J
cat > "$dir/jest.config.js" <<'J'
module.exports = { ...require("../../jest.preset.js") };
J
node -e '
const fs = require("fs"); const p = process.argv[1] + "/package.json";
const pkg = JSON.parse(fs.readFileSync(p, "utf8"));
pkg.scripts = { build: "tsc -p tsconfig.build.json", typecheck: "tsc -p tsconfig.json", lint: "eslint src", test: "jest", ...(pkg.scripts || {}) };
fs.writeFileSync(p, JSON.stringify(pkg, null, 2) + "\n");' "$dir"
