// Without a Pulumi CLI, and where it cannot be installed, the deploy tool stops at once with the
// install hint and changes nothing.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

it("stops with the install hint, exit 127, when no Pulumi CLI is on PATH and installing is off", () => {
  // A PATH with node and nothing else: no pulumi.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  const before = fs.existsSync(path.join(root, ".pulumi-local"));
  const run = spawnSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "tools", "deploy.ts"), "local", "--no-install"], {
    env: { PATH: bin, HOME: os.tmpdir() },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.error).toBeUndefined();
  expect(run.status).toBe(127);
  expect(run.stderr).toContain("deploy local: the Pulumi CLI 3.274.1 is not on PATH");
  expect(run.stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
  expect(run.stderr).toContain("Nothing was changed.");
  expect(run.stdout).not.toContain("pre-deployment checks");
  expect(fs.existsSync(path.join(root, ".pulumi-local"))).toBe(before);
});
