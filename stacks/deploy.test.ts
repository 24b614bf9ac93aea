// `npm run deploy:local` without a Pulumi CLI stops at once with the install hint and changes nothing.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

it("stops with the install hint, non-zero, when no Pulumi CLI is on PATH", () => {
  // A PATH with bash and coreutils but no pulumi.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
  for (const tool of ["bash", "dirname", "head", "base64", "mkdir", "cat"]) {
    const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  const before = fs.existsSync(path.join(root, ".pulumi-local"));
  // The timeout guards against a hang: a run that has not ended after 5 s fails the test.
  const run = spawnSync(path.join(bin, "bash"), [path.join(root, "tools", "deploy-local.sh")], { env: { PATH: bin, HOME: os.tmpdir() }, encoding: "utf8", timeout: 5000 });
  expect(run.error).toBeUndefined();
  expect(run.status).toBe(127);
  expect(run.stderr).toContain("the Pulumi CLI is not on PATH");
  expect(run.stderr).toContain("curl -fsSL https://get.pulumi.com | sh");
  expect(run.stderr).toContain("Nothing was changed.");
  expect(fs.existsSync(path.join(root, ".pulumi-local"))).toBe(before);
});
