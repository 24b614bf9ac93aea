// Rotating the deploy key on a running node, for real against a throwaway SSH host on this machine:
// the node's authorized_keys moves to the new key in place, the old key stops working, and a key the
// node does not accept is refused with what to do.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authorizedKeyLine, type DeployKeyInputs, type DeployKeyOutputs, deployKeyProvider, publicKeyTag } from "./deploy-key";
import { type HostKeyOutputs, hostKeyProvider, sshWithKey } from "./host-key";
import { asTheEngineRunsIt, ThrowawaySshHost } from "./testing";

jest.setTimeout(300_000);

let host: ThrowawaySshHost;
let hostKey: string;
let keyDir: string;
// The provider as the engine runs it, reloaded from its serialized text.
let deployKeys: typeof deployKeyProvider;
beforeAll(async () => {
  deployKeys = (await asTheEngineRunsIt(deployKeyProvider)).provider;
  host = await ThrowawaySshHost.start();
  keyDir = mkdtempSync(join(tmpdir(), "sophia-rotation-"));
  const pinned = await hostKeyProvider.create!({ host: "127.0.0.1", port: host.port, user: host.user, privateKey: host.privateKey(), waitSeconds: 30, pin: "p" });
  hostKey = (pinned.outs as HostKeyOutputs).hostKey;
});
afterAll(async () => {
  await host?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

function newKeyPair(name: string): { publicKey: string; privateKey: string } {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", join(keyDir, name)]);
  return { publicKey: readFileSync(join(keyDir, `${name}.pub`), "utf8").trim(), privateKey: readFileSync(join(keyDir, name), "utf8") };
}

const target = () => ({ host: "127.0.0.1", port: host.port, user: host.user });
const getsIn = async (privateKey: string) => (await sshWithKey(target(), privateKey, hostKey, "true")).code === 0;

test("a rotation moves the node to the new key in place, with the previous key given for that one run", async () => {
  const first: DeployKeyInputs = { ...target(), hostKey, publicKey: host.publicKey(), privateKey: host.privateKey() };
  const created = await deployKeys.create!(first);
  expect(await sshWithKey(target(), host.privateKey(), hostKey, "cat ~/.ssh/authorized_keys")).toMatchObject({ code: 0, stdout: `${authorizedKeyLine(host.publicKey())}\n` });

  const next = newKeyPair("next");
  const rotating: DeployKeyInputs = { ...first, publicKey: next.publicKey, privateKey: next.privateKey, previousPrivateKey: host.privateKey() };
  await expect(deployKeys.diff!(created.id, created.outs as DeployKeyOutputs, rotating)).resolves.toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  const rotated = await deployKeys.update!(created.id, created.outs as DeployKeyOutputs, rotating);
  expect([await getsIn(next.privateKey), await getsIn(host.privateKey())]).toEqual([true, false]);

  // The previous key removed from the config: the next run needs only the new key.
  const settled = { ...rotating, previousPrivateKey: undefined };
  await deployKeys.update!(created.id, rotated.outs as DeployKeyOutputs, settled);
  expect(await getsIn(next.privateKey)).toBe(true);

  // A new key without the previous one: the node accepts neither, and the message says what to do.
  const stray = newKeyPair("stray");
  const refused = deployKeys.update!(created.id, rotated.outs as DeployKeyOutputs, { ...settled, publicKey: stray.publicKey, privateKey: stray.privateKey });
  await expect(refused).rejects.toThrow(/^node 127\.0\.0\.1:\d+: refuses the deploy key \(SHA256:\S+\); nothing was changed on it\. If you are rotating the deploy key, keep the key the node accepts now as the previous key/);
  expect(await getsIn(next.privateKey)).toBe(true);
});

test("public keys are checked before they reach the node, and tagged by fingerprint", () => {
  expect(() => authorizedKeyLine("ssh-ed25519 AAAA'; rm -rf ~ #")).toThrow('deploy key: expected an OpenSSH public key ("ssh-ed25519 AAAA…")');
  expect(authorizedKeyLine("ssh-ed25519 AAAAC3Nza== me@laptop")).toBe("ssh-ed25519 AAAAC3Nza==");
  expect(publicKeyTag("ssh-ed25519 AAAAC3Nza== a")).toBe(publicKeyTag("ssh-ed25519 AAAAC3Nza== b"));
  expect(publicKeyTag("ssh-ed25519 AAAAC3Nza== a")).toMatch(/^[0-9a-f]{8}$/);
});

// Each way ssh fails is named with host and port, through the serialized provider; only a refused key
// gets the rotation advice.
describe("ssh failures say which", () => {
  const inputs = (port: number, hostKeyNow = hostKey): DeployKeyInputs => ({ host: "127.0.0.1", port, user: host.user, hostKey: hostKeyNow, publicKey: host.publicKey(), privateKey: host.privateKey() });

  test("a closed port: connection refused, with host and port, and no rotation advice", async () => {
    const closed = await freePort();
    const attempt = deployKeys.create!(inputs(closed));
    await expect(attempt).rejects.toThrow(new RegExp(`^node 127\\.0\\.0\\.1:${closed}: writing the deploy key: the connection was refused \\(is sshd up, and the port right\\?\\)`));
    await expect(attempt).rejects.not.toThrow(/rotating/);
  });

  test("a host key that is not the pinned one: nothing is run, and no rotation advice", async () => {
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyOtherHostKeyOtherHostKey000";
    const attempt = deployKeys.create!(inputs(host.port, other));
    await expect(attempt).rejects.toThrow(new RegExp(`^node 127\\.0\\.0\\.1:${host.port}: writing the deploy key: the node's host key is not the pinned one; nothing was run on it`));
    await expect(attempt).rejects.not.toThrow(/rotating/);
  });

  test("a port that accepts and never speaks: a timeout, and the private key was in no file meanwhile", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      // A key that exists nowhere but in memory: its files are removed before the call.
      const key = newKeyPair("in-memory-only");
      rmSync(join(keyDir, "in-memory-only"));
      const attempt = deployKeys.create!({ ...inputs(port), privateKey: key.privateKey });
      const lines = key.privateKey.trim().split("\n");
      const secretLine = lines[Math.floor(lines.length / 2)]!;
      // While ssh waits for the banner, no file under the temp directory holds the private key.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(filesHolding(tmpdir(), secretLine)).toEqual([]);
      await expect(attempt).rejects.toThrow(new RegExp(`^node 127\\.0\\.0\\.1:${port}: writing the deploy key: no answer in time`));
    } finally {
      silent.close();
    }
  }, 60_000);
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Files (two levels deep) under `dir` whose text holds `needle`. */
function filesHolding(dir: string, needle: string, depth = 2): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    try {
      if (entry.isDirectory()) return depth > 0 ? filesHolding(full, needle, depth - 1) : [];
      if (!entry.isFile() || statSync(full).size > 1 << 20) return [];
      return readFileSync(full, "utf8").includes(needle) ? [full] : [];
    } catch {
      return [];
    }
  });
}
