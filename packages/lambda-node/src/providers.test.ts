// The Lambda providers, driven through their full lifecycle against the fake Lambda Cloud API over
// real HTTP, including the failure modes a real account shows.
import { lambdaFirewallRules } from "./firewall";
import type { FirewallRulesOutputs, InstanceInputs, InstanceOutputs, SshKeyOutputs } from "./inputs";
import { firewallRulesProvider, instanceProvider, sshKeyProvider } from "./providers";
import type { FakeLambdaCloud } from "./testing";
import { useFakeAccount } from "./testing/fake-account-fixture";

const API_KEY = "secret_sophia-test_0123456789abcdef";
const LAUNCH_INTERVAL_MS = 150;
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests000000000000000000000000 test";

const account = useFakeAccount({
  apiKey: API_KEY,
  launchIntervalMs: LAUNCH_INTERVAL_MS,
  bootMs: 50,
  instanceTypes: [
    { name: "gpu_1x_a10", priceCentsPerHour: 129, vcpus: 30, memoryGiB: 200, gpus: 1, regions: ["us-east-1"] },
    { name: "gpu_1x_h100_pcie", priceCentsPerHour: 249, vcpus: 26, memoryGiB: 200, gpus: 1, regions: ["us-west-1"] },
    { name: "gpu_1x_gh200", priceCentsPerHour: 149, vcpus: 64, memoryGiB: 432, gpus: 1, regions: [] },
  ],
});
let fake: FakeLambdaCloud;
let apiUrl: string;
let stderr: string[];
beforeEach(() => ({ fake, apiUrl, stderr } = account));

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

  const before = [...fake.firewallRules];
  const rules = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24"], ingressPort: 8443, ingressCidrs: ["203.0.113.0/24"] }, "sophia-staging");
  const firewall = (await firewallRulesProvider.create!({ apiUrl, apiKey: API_KEY, owner: "sophia-staging", rules })).outs as FirewallRulesOutputs;
  // The account's own rule (Lambda's default) is not this stack's: it stays, with a warning since it is open to the world.
  expect(fake.firewallRules).toEqual([...before, ...rules]);
  expect(stderr.some((l) => l.includes("which stack sophia-staging does not own"))).toBe(true);

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

  // Lambda refuses to delete a key a running instance was launched with: the key stays registered
  // for it, and says so (the rotation case; a destroy deletes instances first).
  await sshKeyProvider.delete!(key.keyId, key);
  expect(fake.sshKeys.size).toBe(1);
  expect(stderr.join("\n")).toContain(`SSH key ${key.name} stays registered while sophia-staging-node-a (${created.id}), launched with it, run`);

  await instanceProvider.delete!(created.id, updated.outs as InstanceOutputs);
  await sshKeyProvider.delete!(key.keyId, key);
  await firewallRulesProvider.delete!("firewall-rules/sophia-staging", firewall);
  expect(fake.liveInstances()).toEqual([]);
  expect(fake.sshKeys.size).toBe(0);
  expect(fake.firewallRules).toEqual(before);
});

test("an instance launches with its filesystem attached, and Lambda's refusal of one from another region is our message with nothing left running", async () => {
  const key = await createKey();
  fake.filesystems.set("fs-east", { id: "fs-east", name: "sophia-data", region: "us-east-1", created: new Date().toISOString() });
  const attached = (await instanceProvider.create!(instanceInputs({ sshKeyName: key.name, fileSystemNames: ["sophia-data"] }))).outs as InstanceOutputs;
  expect(fake.instances.get(attached.instanceId)?.fileSystemNames).toEqual(["sophia-data"]);
  expect(attached.region).toBe("us-east-1");
  await instanceProvider.delete!(attached.instanceId, attached);
  // Only us-west-1 candidates: the filesystem does not exist there.
  const west = instanceInputs({ sshKeyName: key.name, fileSystemNames: ["sophia-data"], candidates: [{ region: "us-west-1", instanceType: "gpu_1x_h100_pcie" }] });
  await expect(instanceProvider.create!(west)).rejects.toThrow(/Filesystem sophia-data does not exist in region us-west-1/);
  expect(fake.liveInstances()).toHaveLength(0);
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
  await expect(createKey()).rejects.toThrow("Lambda Cloud rate-limited POST /ssh-keys (HTTP 429; about 1 request per second, 1 launch per 10 s). Still rate limited after 8 attempts");
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
    // A rotated deploy key is recorded, not a new node: the key matters only at launch.
    await expect(instanceProvider.diff!("i", current, instanceInputs({ sshKeyName: "other" }))).resolves.toMatchObject({ changes: true, replaces: [] });
  });

  test("an instance is replaced when the filesystems it launches with change (they attach only at launch); an old state without any is the same as none", async () => {
    const current = base();
    await expect(instanceProvider.diff!("i", current, instanceInputs({ fileSystemNames: [] }))).resolves.toMatchObject({ changes: false, replaces: [] });
    await expect(instanceProvider.diff!("i", current, instanceInputs({ fileSystemNames: ["sophia-data"] }))).resolves.toMatchObject({ changes: true, replaces: ["fileSystemNames"] });
    await expect(instanceProvider.diff!("i", { ...current, fileSystemNames: ["b", "a"] }, instanceInputs({ fileSystemNames: ["a", "b"] }))).resolves.toMatchObject({ changes: false, replaces: [] });
  });

  test("an SSH key is replaced when its name or public key changes (the old one first only when the name stays); a new API key only updates", async () => {
    const key = { apiUrl, apiKey: API_KEY, name: "k", publicKey: PUBLIC_KEY, keyId: "key-1" };
    await expect(sshKeyProvider.diff!("key-1", key, { ...key, publicKey: `${PUBLIC_KEY}x` })).resolves.toEqual({ changes: true, replaces: ["publicKey"], deleteBeforeReplace: true });
    await expect(sshKeyProvider.diff!("key-1", key, { ...key, name: "k2", publicKey: `${PUBLIC_KEY}x` })).resolves.toEqual({ changes: true, replaces: ["name", "publicKey"], deleteBeforeReplace: false });
    await expect(sshKeyProvider.diff!("key-1", key, { ...key, apiKey: "rotated" })).resolves.toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("firewall rules update in place and ignore order", async () => {
    const rules = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24", "192.0.2.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] }, "p");
    const olds = { apiUrl, apiKey: API_KEY, owner: "p", rules };
    await expect(firewallRulesProvider.diff!("f", olds, { ...olds, rules: [...rules].reverse() })).resolves.toMatchObject({ changes: false });
    await expect(firewallRulesProvider.diff!("f", olds, { ...olds, rules: rules.slice(1) })).resolves.toMatchObject({ changes: true, replaces: [] });
  });
});

test("two stacks on one account each manage only their own firewall rules", async () => {
  const api = { apiUrl, apiKey: API_KEY, tuning };
  const staging = lambdaFirewallRules({ sshCidrs: ["203.0.113.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] }, "sophia-staging");
  const production = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24"], ingressPort: 443, ingressCidrs: ["198.51.100.0/24", "192.0.2.0/24"] }, "sophia-production");
  const accountRule = fake.firewallRules[0]!;
  const prod = await firewallRulesProvider.create!({ ...api, owner: "sophia-production", rules: production });
  const stag = await firewallRulesProvider.create!({ ...api, owner: "sophia-staging", rules: staging });
  expect(fake.firewallRules).toEqual([accountRule, ...production, ...staging]);

  // A staging update (narrower ingress) leaves production's allowlist as it was.
  const narrower = staging.slice(0, 1);
  await firewallRulesProvider.update!(stag.id, stag.outs as FirewallRulesOutputs, { ...api, owner: "sophia-staging", rules: narrower });
  expect(fake.firewallRules).toEqual([accountRule, ...production, ...narrower]);
  // Each stack reads back only its own rules.
  expect((await firewallRulesProvider.read!(prod.id, prod.outs as FirewallRulesOutputs)).props!.rules).toEqual(production);

  // Destroying staging removes staging's rules only.
  await firewallRulesProvider.delete!(stag.id, { ...api, owner: "sophia-staging", rules: narrower });
  expect(fake.firewallRules).toEqual([accountRule, ...production]);
  await firewallRulesProvider.delete!(prod.id, prod.outs as FirewallRulesOutputs);
  expect(fake.firewallRules).toEqual([accountRule]);
});

describe("never an orphaned instance, never the key in a message", () => {
  /** Every test here ends with the account holding no running instance, and the key in no output. */
  const noOrphans = () => expect(fake.liveInstances()).toEqual([]);
  const keyNowhere = (error: unknown) => {
    expect(String((error as Error).message)).not.toContain(API_KEY);
    expect(stderr.join("\n")).not.toContain(API_KEY);
  };

  test("a cleanup terminate that fails transiently is retried until the instance is gone", async () => {
    await createKey();
    fake.faults.bootOutcome = "unhealthy";
    fake.faults.terminateFailsNext = 3;
    const error = await instanceProvider.create!(instanceInputs()).catch((e: unknown) => e);
    expect(String(error)).toMatch(/became unhealthy while booting/);
    expect(fake.requests.filter((r) => r.path === "/instance-operations/terminate").map((r) => r.status)).toEqual([500, 500, 500, 200]);
    noOrphans();
    keyNowhere(error);
  });

  test("a cleanup that cannot terminate names the running instance and how to remove it", async () => {
    await createKey();
    fake.bootMs = 5_000;
    fake.faults.terminateBroken = true;
    const error = (await instanceProvider.create!(instanceInputs({ activeTimeoutSeconds: 0.2 })).catch((e: unknown) => e)) as Error;
    const id = [...fake.instances.keys()][0]!;
    expect(error.message).toContain(`instance ${id} could not be terminated`);
    expect(error.message).toContain("It is still running and billed: terminate it at https://cloud.lambda.ai/instances");
    keyNowhere(error);
    fake.faults.terminateBroken = false;
    await instanceProvider.delete!(id, { ...instanceInputs(), instanceId: id } as InstanceOutputs);
    noOrphans();
  });

  test("after an ambiguous launch failure, an instance that lists late is still found and terminated", async () => {
    await createKey();
    fake.faults.launchFailsAfterCreate = 1;
    fake.faults.listLagMs = 300;
    const error = await instanceProvider.create!(instanceInputs({ tuning: { ...tuning, strayWindowMs: 3_000 } })).catch((e: unknown) => e);
    expect(String(error)).toMatch(/global\/unknown/);
    expect(fake.requests.filter((r) => r.method === "GET" && r.path === "/instances").length).toBeGreaterThan(2);
    noOrphans();
    keyNowhere(error);
  });

  test("after an ambiguous launch failure, a failing instance list is retried, never taken as empty", async () => {
    await createKey();
    fake.faults.launchFailsAfterCreate = 1;
    fake.faults.listFailsAfterFailedLaunch = 2;
    const error = await instanceProvider.create!(instanceInputs()).catch((e: unknown) => e);
    expect(String(error)).toMatch(/global\/unknown/);
    const lists = fake.requests.filter((r) => r.path === "/instances").map((r) => r.status);
    expect(lists).toEqual([200, 500, 500, 200]); // before the launch; after it, twice failed, then read
    noOrphans();
    keyNowhere(error);
  });

  test("one 503, one malformed body and one hung request while polling a booting instance do not kill a healthy launch", async () => {
    await createKey();
    fake.bootMs = 100;
    fake.faults.pollFaults = ["503", "malformed", "hang"];
    const created = await instanceProvider.create!(instanceInputs({ tuning: { ...tuning, requestTimeoutMs: 300 } }));
    expect(created.outs).toMatchObject({ status: "active" });
    expect(fake.faults.pollFaults).toEqual([]);
    await instanceProvider.delete!(created.id, created.outs as InstanceOutputs);
    noOrphans();
  });

  test("an API key containing a line break is refused where it is read, and never reaches a header or a message", async () => {
    const pasted = `${API_KEY}\r\n`;
    const error = (await sshKeyProvider.create!({ apiUrl, apiKey: pasted, tuning, name: "k", publicKey: PUBLIC_KEY }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "sophia:lambdaApiKey: expected a Lambda API key (printable ASCII, no spaces or line breaks); got a value of 37 characters containing a line break",
    );
    expect(fake.requests).toEqual([]);
    keyNowhere(error);
  });

  test("a retry after a 429 on launch waits for the launch interval again", async () => {
    await createKey();
    fake.faults.launchRateLimitedNext = 1;
    const created = await instanceProvider.create!(instanceInputs());
    expect(created.outs).toMatchObject({ status: "active" });
    const launches = fake.requests.filter((r) => r.path === "/instance-operations/launch");
    // A retry sooner than the interval would have met the fake's launch limit: a second 429.
    expect(launches.map((r) => r.status)).toEqual([429, 200]);
    expect(launches[1]!.at - launches[0]!.at).toBeGreaterThanOrEqual(LAUNCH_INTERVAL_MS);
    await instanceProvider.delete!(created.id, created.outs as InstanceOutputs);
    noOrphans();
  });

  test("a rotated API key reaches refresh and destroy through the stack's config, though the state holds the old one", async () => {
    await createKey();
    const created = await instanceProvider.create!(instanceInputs({ apiKeyConfigKey: "sophia:lambdaApiKey" }));
    const rotated = "secret_sophia-rotated_0123456789abcdef";
    fake.rotateApiKey(rotated);
    const provider = { ...instanceProvider };
    await provider.configure!({ config: { get: (k: string) => (k === "sophia:lambdaApiKey" ? rotated : undefined), require: () => rotated } });
    const read = await provider.read!(created.id, created.outs as InstanceOutputs);
    expect(read.id).toBe(created.id);
    await provider.delete!(created.id, created.outs as InstanceOutputs);
    noOrphans();
    expect(stderr.join("\n")).not.toContain(rotated);
  });

  test("a rename made in the console shows on refresh", async () => {
    await createKey();
    const created = await instanceProvider.create!(instanceInputs());
    fake.rename(created.id, "renamed-by-hand");
    const read = await instanceProvider.read!(created.id, created.outs as InstanceOutputs);
    expect(read.props).toMatchObject({ name: "renamed-by-hand" });
    await instanceProvider.delete!(created.id, created.outs as InstanceOutputs);
    noOrphans();
  });

  test("a mistyped instance type is named as one Lambda does not offer, not as missing capacity", async () => {
    await createKey();
    const error = (await instanceProvider.create!(instanceInputs({ candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a100x" }] })).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      "launch of sophia-staging-gpu-1x-a10-0: Lambda offers none of the instance types gpu_1x_a100x (it offers gpu_1x_a10, gpu_1x_gh200, gpu_1x_h100_pcie); check sophia:nodePool.instanceTypes",
    );
    expect(fake.instances.size).toBe(0);
  });
});

describe("rotating the deploy key", () => {
  const NEXT_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINextKeyForTests000000000000000000000000 next";
  const keyInputs = (name: string, publicKey: string) => ({ apiUrl, apiKey: API_KEY, tuning, name, publicKey });

  test("the new key is added first, running nodes stay, and the old key goes with the last node launched with it", async () => {
    const oldKey = (await sshKeyProvider.create!(keyInputs("sophia-staging-deploy-old", PUBLIC_KEY))).outs as SshKeyOutputs;
    const first = await instanceProvider.create!(instanceInputs({ sshKeyName: oldKey.name }));
    const second = await instanceProvider.create!(instanceInputs({ name: "sophia-staging-gpu-1x-a10-1", sshKeyName: oldKey.name }));
    expect((first.outs as InstanceOutputs).launchKeyName).toBe(oldKey.name);

    // The up that rotates: new key created, both instances updated in place, old key deleted last.
    const newKey = (await sshKeyProvider.create!(keyInputs("sophia-staging-deploy-new", NEXT_PUBLIC_KEY))).outs as SshKeyOutputs;
    const updated = [];
    for (const [created, name] of [[first, "sophia-staging-gpu-1x-a10-0"], [second, "sophia-staging-gpu-1x-a10-1"]] as const) {
      const news = instanceInputs({ name, sshKeyName: newKey.name });
      await expect(instanceProvider.diff!(created.id, created.outs as InstanceOutputs, news)).resolves.toMatchObject({ changes: true, replaces: [] });
      updated.push({ id: created.id, outs: (await instanceProvider.update!(created.id, created.outs as InstanceOutputs, news)).outs as InstanceOutputs });
    }
    expect(updated.map((u) => u.outs.launchKeyName)).toEqual([oldKey.name, oldKey.name]);
    await sshKeyProvider.delete!(oldKey.keyId, oldKey);
    expect(fake.liveInstances().map((i) => i.id).sort()).toEqual([first.id, second.id].sort());
    expect([...fake.sshKeys.values()].map((k) => k.name).sort()).toEqual([newKey.name, oldKey.name].sort());
    expect(stderr.join("\n")).toContain(`SSH key ${oldKey.name} stays registered while`);

    // Destroy: the old key stays while the other node holds it, and goes with it; then the new key.
    await instanceProvider.delete!(updated[0]!.id, updated[0]!.outs);
    expect([...fake.sshKeys.values()].map((k) => k.name).sort()).toEqual([newKey.name, oldKey.name].sort());
    await instanceProvider.delete!(updated[1]!.id, updated[1]!.outs);
    expect([...fake.sshKeys.values()].map((k) => k.name)).toEqual([newKey.name]);
    await sshKeyProvider.delete!(newKey.keyId, newKey);
    expect({ instances: fake.liveInstances().length, keys: fake.sshKeys.size }).toEqual({ instances: 0, keys: 0 });
  });

  test("deleting a key whose instances are still terminating waits for them, rather than leaving the key behind", async () => {
    fake.faults.terminatingMs = 300;
    const key = (await sshKeyProvider.create!(keyInputs("sophia-staging-deploy-old", PUBLIC_KEY))).outs as SshKeyOutputs;
    const created = await instanceProvider.create!(instanceInputs({ sshKeyName: key.name }));
    await instanceProvider.delete!(created.id, created.outs as InstanceOutputs);
    await sshKeyProvider.delete!(key.keyId, key);
    expect({ instances: fake.liveInstances().length, keys: fake.sshKeys.size }).toEqual({ instances: 0, keys: 0 });
  });
});
