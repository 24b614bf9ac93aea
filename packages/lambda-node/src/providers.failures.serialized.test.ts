// Every failure path of every provider, driven through its serialized form (as the engine runs it)
// against the fake Lambda API and a loopback port. For each, the message the engine shows (`e.message`
// and `String(e)`) is the clear one, the fake's account ends with no live instance and no key of ours
// outside the state, and the API key is in no log line (issue 28: a subclass of Error lost its message
// once serialized, and the engine printed `[object Object]` or `undefined`).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { deployKeyProvider } from "./deploy-key";
import { hostKeyProvider } from "./host-key";
import { LambdaClient } from "./api/client";
import type { FilesystemOutputs, InstanceOutputs, SshKeyOutputs } from "./inputs";
import { filesystemProvider, firewallRulesProvider, instanceProvider, sshKeyProvider } from "./providers";
import { asTheEngineRunsIt, engineGlobal, type FakeLambdaCloud } from "./testing";
import { useFakeAccount } from "./testing/fake-account-fixture";

const API_KEY = "secret_sophia-failures_0123456789abcdef";
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests000000000000000000000000 test";
const tuning = { launchIntervalMs: 50, retryBaseDelayMs: 5, pollIntervalMs: 10, strayWindowMs: 300 };

const account = useFakeAccount({
  apiKey: API_KEY,
  launchIntervalMs: tuning.launchIntervalMs,
  bootMs: 20,
  instanceTypes: [
    { name: "gpu_1x_a10", priceCentsPerHour: 129, vcpus: 30, memoryGiB: 200, gpus: 1, regions: ["us-east-1"] },
    { name: "gpu_1x_h100_pcie", priceCentsPerHour: 329, vcpus: 26, memoryGiB: 200, gpus: 1, regions: ["us-west-1"] },
  ],
});
let fake: FakeLambdaCloud;
let apiUrl: string;
let stderr: string[];
beforeEach(() => ({ fake, apiUrl, stderr } = account));

/** What the engine's dynamic-provider host shows of a failed call: `e.message`, and the text of `e`. */
async function shown(call: Promise<unknown>): Promise<{ message: unknown; text: string }> {
  try {
    await call;
  } catch (e) {
    return { message: (e as { message?: unknown }).message, text: String(e) };
  }
  throw new Error("expected the call to fail");
}

function expectShown(failure: { message: unknown; text: string }, clear: RegExp): void {
  expect(typeof failure.message).toBe("string");
  expect(failure.message).toMatch(clear);
  expect(failure.text).toMatch(clear);
  expect(failure.text).not.toMatch(/\[object Object\]|^undefined$/);
}

const instanceInputs = (overrides: Record<string, unknown> = {}) => ({
  apiUrl,
  apiKey: API_KEY,
  tuning,
  name: "sophia-staging-node",
  sshKeyName: "sophia-staging-deploy",
  activeTimeoutSeconds: 5,
  candidates: [
    { region: "us-east-1", instanceType: "gpu_1x_a10" },
    { region: "us-west-1", instanceType: "gpu_1x_h100_pcie" },
  ],
  ...overrides,
});

async function withDeployKey(): Promise<void> {
  await (await asTheEngineRunsIt(sshKeyProvider)).provider.create!({ apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging-deploy", publicKey: PUBLIC_KEY });
}

describe("the filesystem provider, serialized", () => {
  const filesystemInputs = (region = "us-east-1") => ({ apiUrl, apiKey: API_KEY, tuning, name: "sophia-production-state", region });

  test("a create answered 500 after Lambda made the filesystem: adopted, not made twice", async () => {
    const filesystems = (await asTheEngineRunsIt(filesystemProvider)).provider;
    fake.faults.filesystemCreateFailsAfterCreate = 1;
    const created = await filesystems.create!(filesystemInputs());
    expect(fake.filesystems.size).toBe(1);
    expect(created.id).toBe([...fake.filesystems.keys()][0]);
    expect(stderr.join("\n")).toMatch(/filesystem sophia-production-state \(fs-\d+\) was made although its create failed/);
    await filesystems.delete!(created.id, created.outs as FilesystemOutputs);
    expect(fake.filesystems.size).toBe(0);
  });

  test("its name in another region: where it is, and nothing changed", async () => {
    const filesystems = (await asTheEngineRunsIt(filesystemProvider)).provider;
    const created = await filesystems.create!(filesystemInputs());
    expectShown(await shown(filesystems.create!(filesystemInputs("us-west-1"))), new RegExp(`filesystem sophia-production-state: Lambda already has a filesystem of that name in us-east-1 \\(${created.id}\\), and names are unique per account; nothing was changed`));
    expect(fake.filesystems.size).toBe(1);
    await filesystems.delete!(created.id, created.outs as FilesystemOutputs);
  });

  test("a delete while an instance has it attached: refused, naming the instance; deleted once it is terminated", async () => {
    const filesystems = (await asTheEngineRunsIt(filesystemProvider)).provider;
    const created = await filesystems.create!(filesystemInputs());
    await withDeployKey();
    const lambda = new LambdaClient({ apiUrl, apiKey: API_KEY, launchIntervalMs: tuning.launchIntervalMs, retry: { baseDelayMs: 5 } });
    // The fake attaches a filesystem only in its own region, as Lambda does.
    const launch = (region: string, instanceType: string, name: string) => lambda.launch({ region_name: region, instance_type_name: instanceType, ssh_key_names: ["sophia-staging-deploy"], file_system_names: ["sophia-production-state"], name });
    await expect(launch("us-west-1", "gpu_1x_h100_pcie", "elsewhere")).rejects.toThrow("does not exist in region us-west-1");
    const [instanceId] = await launch("us-east-1", "gpu_1x_a10", "sophia-production-platform");

    expectShown(await shown(filesystems.delete!(created.id, created.outs as FilesystemOutputs)), new RegExp(`filesystem sophia-production-state \\(${created.id}\\) is attached to sophia-production-platform \\(${instanceId}\\); nothing was deleted`));
    expect((await lambda.listFilesystems())[0]).toMatchObject({ is_in_use: true, mount_point: "/lambda/nfs/sophia-production-state" });

    await lambda.terminate([instanceId!]);
    for (let i = 0; i < 200 && fake.liveInstances().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await filesystems.delete!(created.id, created.outs as FilesystemOutputs);
    expect({ filesystems: fake.filesystems.size, instances: fake.liveInstances().length }).toEqual({ filesystems: 0, instances: 0 });
  });
});

describe("the SSH key provider, serialized", () => {
  test("an API key with a space: the config key is named, not [object Object]", async () => {
    const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
    expectShown(await shown(keys.create!({ apiUrl, apiKey: "bad key", tuning, name: "k", publicKey: PUBLIC_KEY })), /sophia:lambdaApiKey: expected a Lambda API key/);
  });

  test("a rejected API key: what to set, and how", async () => {
    const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
    expectShown(await shown(keys.create!({ apiUrl, apiKey: "secret_wrong", tuning, name: "k", publicKey: PUBLIC_KEY })), /Lambda Cloud rejected the API key \(global\/invalid-api-key\).*pulumi config set --secret sophia:lambdaApiKey/);
  });

  test("a key POST answered 500 after Lambda made the key: the key is adopted, now and on the next up, and deleted with the resource", async () => {
    const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
    fake.faults.sshKeyCreateFailsAfterCreate = 1;
    const inputs = { apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging-deploy", publicKey: PUBLIC_KEY };
    const created = await keys.create!(inputs);
    expect(fake.sshKeys.size).toBe(1);
    expect(created.id).toBe([...fake.sshKeys.keys()][0]);
    expect(stderr.join("\n")).toMatch(/SSH key sophia-staging-deploy \(key-\d+\) already holds this public key .*; adopting it/);
    // A run that failed before the state held the key: the next up's create adopts it too.
    const again = await keys.create!(inputs);
    expect(again.id).toBe(created.id);
    await keys.delete!(again.id, again.outs as SshKeyOutputs);
    expect(fake.sshKeys.size).toBe(0);
  });

  test("a key of the same name with another public key is not taken: the message says what to do", async () => {
    const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
    await keys.create!({ apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging-deploy", publicKey: PUBLIC_KEY.replace("Fake", "Else") });
    expectShown(
      await shown(keys.create!({ apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging-deploy", publicKey: PUBLIC_KEY })),
      /SSH key sophia-staging-deploy: Lambda already has a key of that name with another public key \(key-\d+\); nothing was changed\./,
    );
  });
});

describe("the instance provider, serialized", () => {
  test("no capacity on the first candidate: the node lands on the next one", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.capacityFlaps.set("gpu_1x_a10@us-east-1", 1);
    const created = await instances.create!(instanceInputs());
    expect(created.outs).toMatchObject({ instanceType: "gpu_1x_h100_pcie", region: "us-west-1" });
    await instances.delete!(created.id, created.outs as InstanceOutputs);
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a launch with a filesystem of another region: Lambda's refusal is shown at once, with no search for strays, and nothing launched", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.filesystems.set("fs-east", { id: "fs-east", name: "sophia-production-state", region: "us-east-1", created: new Date().toISOString() });
    const west = instanceInputs({ fileSystemNames: ["sophia-production-state"], candidates: [{ region: "us-west-1", instanceType: "gpu_1x_h100_pcie" }] });
    expectShown(await shown(instances.create!(west)), /Lambda Cloud POST \/instance-operations\/launch failed \(global\/invalid-parameters\): Filesystem sophia-production-state does not exist in region us-west-1/);
    // A refusal made nothing: no search for strays (a listing of instances) follows it.
    const refused = fake.requests.findIndex((r) => r.path === "/instance-operations/launch" && r.status === 400);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(fake.requests.slice(refused + 1).filter((r) => r.path === "/instances")).toEqual([]);
    expect(fake.liveInstances()).toEqual([]);
    expect(stderr.join("\n")).not.toContain(API_KEY);
  });

  test("no capacity anywhere: every candidate named, and nothing launched", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.capacityFlaps.set("gpu_1x_a10@us-east-1", 1);
    fake.faults.capacityFlaps.set("gpu_1x_h100_pcie@us-west-1", 1);
    expectShown(await shown(instances.create!(instanceInputs())), /No capacity for sophia-staging-node on any configured candidate .*gpu_1x_a10 in us-east-1: capacity gone at launch; gpu_1x_h100_pcie in us-west-1: capacity gone at launch/);
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a launch answered 500 after the instance was made: the stray is found and terminated, and the message says what failed", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.launchFailsAfterCreate = 1;
    expectShown(await shown(instances.create!(instanceInputs())), /Lambda Cloud POST \/instance-operations\/launch failed \(global\/unknown\)/);
    expect(stderr.join("\n")).toMatch(/terminating inst-\d+: created by a launch that failed/);
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a launch answered 200 with no instance id: the instance it made is terminated", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.launchAnswersWithoutIdsNext = 1;
    expectShown(await shown(instances.create!(instanceInputs())), /launch of sophia-staging-node \(gpu_1x_a10 in us-east-1\) was answered without an instance id; any instance it made was looked for and terminated/);
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a status poll answered {\"data\": null} is retried, never a TypeError", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.pollFaults.push("null-data", "null-data");
    const created = await instances.create!(instanceInputs());
    expect(created.outs).toMatchObject({ status: "active" });
    expect(stderr.join("\n")).toMatch(/the answer lacked the data it should carry, retry 1/);
    await instances.delete!(created.id, created.outs as InstanceOutputs);
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a node that boots unhealthy and cannot be terminated: the message says it is running and billed, and where to terminate it", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    fake.faults.bootOutcome = "unhealthy";
    fake.faults.terminateBroken = true;
    const failure = await shown(instances.create!(instanceInputs({ tuning: { ...tuning, retryBaseDelayMs: 1 } })));
    expectShown(failure, /instance inst-\d+ became unhealthy while booting; then instance inst-\d+ could not be terminated .*It is still running and billed: terminate it at https:\/\/cloud\.lambda\.ai\/instances/);
    // The account is cleaned here by hand, as the message asks a person to.
    fake.faults.terminateBroken = false;
    await Promise.all(fake.liveInstances().map((i) => instances.delete!(i.id, { ...instanceInputs(), instanceId: i.id } as never)));
    expect(fake.liveInstances()).toEqual([]);
  });

  test("a launch lease that cannot be written: one clear error at once, naming the file, and no search for strays", async () => {
    await withDeployKey();
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    const env = engineGlobal.process.env;
    const previous = env.TMPDIR;
    // A file where the directory should be: even root cannot write under it.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-pacing-")), "not-a-directory");
    fs.writeFileSync(file, "");
    env.TMPDIR = file;
    try {
      const started = Date.now();
      expectShown(await shown(instances.create!(instanceInputs())), new RegExp(`launch pacing: cannot write its lease file ${file}/sophia-lambda-launch-[0-9a-f]+\\.lease \\(ENOTDIR\\); nothing was sent to Lambda`));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(fake.requests.filter((r) => r.path === "/instance-operations/launch")).toEqual([]);
    } finally {
      if (previous === undefined) delete env.TMPDIR;
      else env.TMPDIR = previous;
    }
  });
});

describe("a rotated-out key whose last holder was never in the state", () => {
  test("it stays while a stray launched with it runs, and goes with the next instance create once the stray is terminated by hand", async () => {
    const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
    const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
    const keyOf = (name: string, publicKey: string) => keys.create!({ apiUrl, apiKey: API_KEY, tuning, name, publicKey });
    const oldKey = await keyOf("sophia-staging-deploy-0a0a0a0a", PUBLIC_KEY);
    // A stray launched with the old key that the state never held: its launch's answer was lost and
    // its termination failed, so a person was told to terminate it (the error above says how).
    fake.faults.launchFailsAfterCreate = 1;
    fake.faults.terminateBroken = true;
    await shown(instances.create!(instanceInputs({ sshKeyName: "sophia-staging-deploy-0a0a0a0a", candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }] })));
    fake.faults.terminateBroken = false;
    const [stray] = fake.liveInstances();
    expect(stray).toBeDefined();
    // The rotation: a new key; the old key's resource is deleted and stays for the stray.
    const newKey = await keyOf("sophia-staging-deploy-1b1b1b1b", PUBLIC_KEY.replace("Fake", "Next"));
    await keys.delete!(oldKey.id, oldKey.outs as SshKeyOutputs);
    expect([...fake.sshKeys.values()].map((k) => k.name).sort()).toEqual(["sophia-staging-deploy-0a0a0a0a", "sophia-staging-deploy-1b1b1b1b"]);
    // The person terminates the stray; the next instance of the pool sweeps the key nobody holds.
    await instances.delete!(stray!.id, { ...instanceInputs(), instanceId: stray!.id, sshKeyName: "sophia-staging-deploy-1b1b1b1b" } as never);
    const node = await instances.create!(instanceInputs({ sshKeyName: "sophia-staging-deploy-1b1b1b1b" }));
    expect([...fake.sshKeys.values()].map((k) => k.name)).toEqual(["sophia-staging-deploy-1b1b1b1b"]);
    expect(stderr.join("\n")).toMatch(/SSH key sophia-staging-deploy-0a0a0a0a \(key-\d+\) was rotated out and no running instance holds it any more; deleting it/);
    await instances.delete!(node.id, node.outs as InstanceOutputs);
    await keys.delete!(newKey.id, newKey.outs as SshKeyOutputs);
    expect({ instances: fake.liveInstances().length, keys: fake.sshKeys.size }).toEqual({ instances: 0, keys: 0 });
  });
});

describe("the firewall provider, serialized", () => {
  test("a rejected API key: the message, not [object Object]", async () => {
    const firewalls = (await asTheEngineRunsIt(firewallRulesProvider)).provider;
    const rules = [{ protocol: "tcp" as const, port_range: [22, 22] as [number, number], source_network: "198.51.100.0/24", description: "sophia-staging: ssh" }];
    expectShown(await shown(firewalls.create!({ apiUrl, apiKey: "secret_wrong", tuning, owner: "sophia-staging", rules })), /Lambda Cloud rejected the API key/);
  });
});

describe("the host-key and deploy-key providers, serialized", () => {
  let closed: number;
  beforeEach(async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closed = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
  });

  test("a node whose sshd never answers: the host and port, and how long it waited", async () => {
    const hostKeys = (await asTheEngineRunsIt(hostKeyProvider)).provider;
    expectShown(await shown(hostKeys.create!({ host: "127.0.0.1", port: closed, user: "ubuntu", privateKey: "unused", waitSeconds: 1, pin: "p" })), new RegExp(`node 127\\.0\\.0\\.1:${closed}: sshd did not answer ssh-keyscan within 1s`));
  });

  test("a deploy key sent to a closed port: connection refused, with host and port", async () => {
    const deployKeys = (await asTheEngineRunsIt(deployKeyProvider)).provider;
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherHostKeyOtherHostKeyOtherHostKey000";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "id")]);
    const privateKey = fs.readFileSync(path.join(dir, "id"), "utf8");
    fs.rmSync(dir, { recursive: true });
    expectShown(
      await shown(deployKeys.create!({ host: "127.0.0.1", port: closed, user: "ubuntu", hostKey, publicKey: PUBLIC_KEY, privateKey })),
      new RegExp(`node 127\\.0\\.0\\.1:${closed}: writing the deploy key: the connection was refused`),
    );
  });
});
