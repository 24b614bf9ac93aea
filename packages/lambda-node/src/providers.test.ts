// The Lambda providers, driven through their full lifecycle against the fake Lambda Cloud API over
// real HTTP, including the failure modes a real account shows.
import { lambdaFirewallRules } from "./firewall";
import type { FirewallRulesOutputs, InstanceInputs, InstanceOutputs, SshKeyOutputs } from "./inputs";
import { firewallRulesProvider, instanceProvider, sshKeyProvider } from "./providers";
import { FakeLambdaCloud } from "./testing";

const API_KEY = "secret_sophia-test_0123456789abcdef";
const LAUNCH_INTERVAL_MS = 150;
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests000000000000000000000000 test";

let fake: FakeLambdaCloud;
let apiUrl: string;
let stderr: string[];

beforeEach(async () => {
  fake = new FakeLambdaCloud({
    apiKey: API_KEY,
    launchIntervalMs: LAUNCH_INTERVAL_MS,
    bootMs: 50,
    instanceTypes: [
      { name: "gpu_1x_a10", priceCentsPerHour: 129, vcpus: 30, memoryGiB: 200, gpus: 1, regions: ["us-east-1"] },
      { name: "gpu_1x_h100_pcie", priceCentsPerHour: 249, vcpus: 26, memoryGiB: 200, gpus: 1, regions: ["us-west-1"] },
      { name: "gpu_1x_gh200", priceCentsPerHour: 149, vcpus: 64, memoryGiB: 432, gpus: 1, regions: [] },
    ],
  });
  apiUrl = await fake.start();
  stderr = [];
  jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void stderr.push(args.join(" ")));
});

afterEach(async () => {
  jest.restoreAllMocks();
  await fake.stop();
  // Whatever a test did, the key never reached a log line.
  expect(stderr.join("\n")).not.toContain(API_KEY);
});

const tuning = { launchIntervalMs: LAUNCH_INTERVAL_MS, retryBaseDelayMs: 5, pollIntervalMs: 10 };
const instanceInputs = (overrides: Partial<InstanceInputs> = {}): InstanceInputs => ({
  apiUrl,
  apiKey: API_KEY,
  tuning,
  name: "sophia-staging-gpu-1x-a10-0",
  sshKeyName: "sophia-staging",
  activeTimeoutSeconds: 5,
  candidates: [
    { region: "us-east-1", instanceType: "gpu_1x_gh200" },
    { region: "us-east-1", instanceType: "gpu_1x_a10" },
    { region: "us-west-1", instanceType: "gpu_1x_h100_pcie" },
  ],
  ...overrides,
});

async function createKey(): Promise<SshKeyOutputs> {
  return (await sshKeyProvider.create!({ apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging", publicKey: PUBLIC_KEY })).outs as SshKeyOutputs;
}

test("full lifecycle: key, firewall and instance are created, read, updated in place and deleted, leaving the account as it was", async () => {
  const key = await createKey();
  expect(fake.sshKeys.size).toBe(1);

  const rules = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24"], ingressPort: 8443, ingressCidrs: ["203.0.113.0/24"] });
  const firewall = (await firewallRulesProvider.create!({ apiUrl, apiKey: API_KEY, rules })).outs as FirewallRulesOutputs;
  expect(fake.firewallRules).toEqual(rules);

  const created = await instanceProvider.create!(instanceInputs());
  const instance = created.outs as InstanceOutputs;
  expect(instance).toMatchObject({ instanceType: "gpu_1x_a10", region: "us-east-1", status: "active" });
  expect(instance.ip).toMatch(/^192\.0\.2\./);

  const read = await instanceProvider.read!(created.id, instance);
  expect(read.id).toBe(created.id);

  // Rename is an in-place update; the same instance keeps running.
  const renamed = instanceInputs({ name: "sophia-staging-node-a" });
  await expect(instanceProvider.diff!(created.id, instance, renamed)).resolves.toMatchObject({ changes: true, replaces: [] });
  const updated = await instanceProvider.update!(created.id, instance, renamed);
  expect(updated.outs).toMatchObject({ instanceId: created.id, name: "sophia-staging-node-a" });
  expect(fake.liveInstances().map((i) => i.name)).toEqual(["sophia-staging-node-a"]);

  // Deleting the key while the instance runs is refused with Lambda's reason.
  await expect(sshKeyProvider.delete!(key.keyId, key)).rejects.toThrow(/still uses \(ssh-keys\/key-in-use\)/);

  await instanceProvider.delete!(created.id, updated.outs as InstanceOutputs);
  await sshKeyProvider.delete!(key.keyId, key);
  await firewallRulesProvider.delete!("firewall-rules", firewall);
  expect(fake.liveInstances()).toEqual([]);
  expect(fake.sshKeys.size).toBe(0);
  expect(fake.firewallRules).toEqual(firewall.previousRules);
});

test("launch walks the fallback list: skips a type with no listed capacity and one whose capacity vanished at launch", async () => {
  await createKey();
  fake.faults.capacityFlaps.set("gpu_1x_a10@us-east-1", 1);
  const created = await instanceProvider.create!(instanceInputs());
  expect(created.outs).toMatchObject({ instanceType: "gpu_1x_h100_pcie", region: "us-west-1" });
  const launches = fake.requests.filter((r) => r.path === "/instance-operations/launch");
  // gh200 listed no capacity, so it was never tried; a10 was tried and refused; h100 launched.
  expect(launches.map((r) => r.status)).toEqual([400, 200]);
  expect(stderr.some((l) => /waiting .*one launch per/.test(l))).toBe(true);
});

test("no capacity on any candidate fails with every candidate's outcome and launches nothing", async () => {
  await createKey();
  fake.setCapacity("gpu_1x_a10", []);
  fake.setCapacity("gpu_1x_h100_pcie", []);
  await expect(instanceProvider.create!(instanceInputs())).rejects.toThrow(
    "No capacity for sophia-staging-gpu-1x-a10-0 on any configured candidate (instance-operations/launch/insufficient-capacity): " +
      "gpu_1x_gh200 in us-east-1: no capacity listed; gpu_1x_a10 in us-east-1: no capacity listed; gpu_1x_h100_pcie in us-west-1: no capacity listed.",
  );
  expect(fake.instances.size).toBe(0);
});

test("a 429 storm is ridden out with backoff, honouring Retry-After", async () => {
  fake.faults.rateLimitNext = 5;
  fake.faults.retryAfterSeconds = 0;
  const key = await createKey();
  expect(key.keyId).toBeDefined();
  expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(5);
  expect(stderr.filter((l) => /rate limited \(429\), retry/.test(l))).toHaveLength(5);
});

test("a 429 storm longer than the retry budget fails with a clear message and creates nothing", async () => {
  fake.faults.rateLimitNext = 100;
  await expect(createKey()).rejects.toThrow(/global\/quota-exceeded.*Still rate limited after 8 attempts/);
  expect(fake.sshKeys.size).toBe(0);
});

test("two launches in a row are spaced by the launch interval, so Lambda's launch limit is never hit", async () => {
  await createKey();
  await instanceProvider.create!(instanceInputs({ name: "node-a" }));
  await instanceProvider.create!(instanceInputs({ name: "node-b" }));
  expect(fake.requests.filter((r) => r.path === "/instance-operations/launch").map((r) => r.status)).toEqual([200, 200]);
});

test("a boot slower than the timeout fails, and the half-booted instance is terminated", async () => {
  await createKey();
  fake.bootMs = 5_000;
  await expect(instanceProvider.create!(instanceInputs({ activeTimeoutSeconds: 0.3 }))).rejects.toThrow(/did not become active within 0.3s \(last status: booting\)/);
  expect(fake.liveInstances()).toEqual([]);
  expect(fake.instances.size).toBe(1);
});

test("an instance that turns unhealthy while booting is terminated and reported", async () => {
  await createKey();
  fake.faults.bootOutcome = "unhealthy";
  await expect(instanceProvider.create!(instanceInputs())).rejects.toThrow(/became unhealthy while booting/);
  expect(fake.liveInstances()).toEqual([]);
});

test("a launch that fails after Lambda created the instance leaves nothing orphaned", async () => {
  await createKey();
  fake.faults.launchFailsAfterCreate = 1;
  await expect(instanceProvider.create!(instanceInputs())).rejects.toThrow(/POST \/instance-operations\/launch failed \(global\/unknown\)/);
  expect(fake.instances.size).toBe(1);
  expect(fake.liveInstances()).toEqual([]);
});

test("refresh after the instance vanished drops it from the state, and deleting it again succeeds", async () => {
  await createKey();
  const created = await instanceProvider.create!(instanceInputs());
  fake.vanish(created.id);
  const read = await instanceProvider.read!(created.id, created.outs as InstanceOutputs);
  expect(read.id).toBeUndefined();
  await expect(instanceProvider.delete!(created.id, created.outs as InstanceOutputs)).resolves.toBeUndefined();
});

test("a wrong API key gets the clear invalid-key message and creates nothing", async () => {
  const wrongKey = "secret_wrong-key_ffffffffffff";
  const attempt = sshKeyProvider.create!({ apiUrl, apiKey: wrongKey, tuning, name: "sophia-staging", publicKey: PUBLIC_KEY });
  await expect(attempt).rejects.toThrow(
    "Lambda Cloud rejected the API key (global/invalid-api-key) on POST /ssh-keys. Set a valid key with `pulumi config set --secret sophia:lambdaApiKey <key>`",
  );
  await expect(attempt).rejects.not.toThrow(wrongKey);
  await expect(instanceProvider.create!(instanceInputs({ apiKey: wrongKey }))).rejects.toThrow(/global\/invalid-api-key/);
  expect(fake.sshKeys.size).toBe(0);
  expect(fake.instances.size).toBe(0);
});

describe("diff semantics", () => {
  const base = () => ({ ...instanceInputs(), instanceId: "i", region: "us-east-1", instanceType: "gpu_1x_a10", ip: "192.0.2.1", hostname: "h", status: "active" });

  test("an instance stays when its (region, type) is still a candidate, and is replaced when it is not", async () => {
    const current = base();
    const reordered = instanceInputs({ candidates: [{ region: "us-west-1", instanceType: "gpu_1x_h100_pcie" }, { region: "us-east-1", instanceType: "gpu_1x_a10" }] });
    await expect(instanceProvider.diff!("i", current, reordered)).resolves.toMatchObject({ changes: false, replaces: [] });
    const dropped = instanceInputs({ candidates: [{ region: "us-west-1", instanceType: "gpu_1x_h100_pcie" }] });
    await expect(instanceProvider.diff!("i", current, dropped)).resolves.toMatchObject({ changes: true, replaces: ["candidates"] });
    await expect(instanceProvider.diff!("i", current, instanceInputs({ sshKeyName: "other" }))).resolves.toMatchObject({ replaces: ["sshKeyName"] });
  });

  test("an SSH key is replaced (old one first) when its name or public key changes; a new API key only updates", async () => {
    const key = { apiUrl, apiKey: API_KEY, name: "k", publicKey: PUBLIC_KEY, keyId: "key-1" };
    await expect(sshKeyProvider.diff!("key-1", key, { ...key, publicKey: `${PUBLIC_KEY}x` })).resolves.toEqual({ changes: true, replaces: ["publicKey"], deleteBeforeReplace: true });
    await expect(sshKeyProvider.diff!("key-1", key, { ...key, apiKey: "rotated" })).resolves.toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("firewall rules update in place and ignore order", async () => {
    const rules = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24", "192.0.2.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] });
    const olds = { apiUrl, apiKey: API_KEY, rules, previousRules: [] };
    await expect(firewallRulesProvider.diff!("f", olds, { apiUrl, apiKey: API_KEY, rules: [...rules].reverse() })).resolves.toMatchObject({ changes: false });
    await expect(firewallRulesProvider.diff!("f", olds, { apiUrl, apiKey: API_KEY, rules: rules.slice(1) })).resolves.toMatchObject({ changes: true, replaces: [] });
  });
});
