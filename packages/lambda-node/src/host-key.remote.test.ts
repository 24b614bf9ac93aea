// Pinning a node's SSH host key, for real against a throwaway SSH host on this machine: the first
// contact is a verified login, an unchanged key passes every later run, and a changed key is refused
// with what to do.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedHostKeyMessage, fingerprintOf, type HostKeyOutputs, hostKeyProvider, knownHostsOptions } from "./host-key";
import { ThrowawaySshHost } from "./testing";

jest.setTimeout(300_000);

let host: ThrowawaySshHost;
beforeAll(async () => {
  host = await ThrowawaySshHost.start();
});
afterAll(() => host?.stop());

const inputs = () => ({ host: "127.0.0.1", port: host.port, user: host.user, privateKey: host.privateKey(), waitSeconds: 30, pin: "sophia-staging-node-host-key" });

test("pins the host key at a verified first login, passes while it holds, and refuses a changed key naming both fingerprints", async () => {
  const created = await hostKeyProvider.create!(inputs());
  const pinned = created.outs as HostKeyOutputs;
  expect(pinned.hostKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+$/);
  expect(pinned.fingerprint).toBe(fingerprintOf(pinned.hostKey));

  await expect(hostKeyProvider.diff!(created.id, pinned, inputs())).resolves.toMatchObject({ changes: false, replaces: [] });

  await host.rotateHostKeys();
  const refusal = (await hostKeyProvider.diff!(created.id, pinned, inputs()).catch((e: unknown) => e)) as Error;
  expect(refusal).toBeInstanceOf(Error);
  expect(refusal.message).toMatch(new RegExp(`^node 127\\.0\\.0\\.1: its SSH host key changed since it was pinned \\(pinned ${pinned.fingerprint.replace(/[+/]/g, "\\$&")}, now SHA256:`));
  expect(refusal.message).toContain("pulumi state delete --target-dependents=false <URN of sophia-staging-node-host-key>");
  console.log(refusal.message);
});

test("a first contact whose login fails (a deploy key the node does not accept) pins nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sophia-wrong-key-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
    const attempt = hostKeyProvider.create!({ ...inputs(), privateKey: readFileSync(join(dir, "id"), "utf8") });
    await expect(attempt).rejects.toThrow(/^node 127\.0\.0\.1:\d+: the first login with the deploy key, against host key SHA256:\S+, failed: the node refuses the key \(user \w+\): .*Permission denied/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the options Docker's ssh gets accept only the pinned key", () => {
  expect(knownHostsOptions("ssh-ed25519 AAAAC3Nza")).toEqual(["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null", "-o", "KnownHostsCommand=/bin/echo %H ssh-ed25519 AAAAC3Nza"]);
  expect(() => knownHostsOptions("ssh-ed25519 AAAA; rm -rf /")).toThrow("host key: expected");
  expect(changedHostKeyMessage("192.0.2.1", "ssh-ed25519 AAAA", "ssh-ed25519 BBBB", "p")).toContain("nothing was run on it");
});
