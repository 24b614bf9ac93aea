// The dynamic providers as the engine runs them: serialized by the SDK's own closure serializer, loaded
// back from that text the way the dynamic-provider host does (require-from-string, then `handler()`),
// and driven through create, read, update and delete against the fake Lambda API. In-process tests
// cannot see state that does not survive serialization (a module-level Map did not).
import { lambdaFirewallRules } from "./firewall";
import type { FilesystemOutputs, FirewallRulesOutputs, InstanceOutputs, SshKeyOutputs } from "./inputs";
import { filesystemProvider, firewallRulesProvider, instanceProvider, sshKeyProvider } from "./providers";
import { asTheEngineRunsIt, type FakeLambdaCloud } from "./testing";
import { useFakeAccount } from "./testing/fake-account-fixture";

const API_KEY = "secret_sophia-serialized_0123456789abcdef";
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests000000000000000000000000 test";
const tuning = { launchIntervalMs: 100, retryBaseDelayMs: 5, pollIntervalMs: 10 };

const account = useFakeAccount({
  apiKey: API_KEY,
  launchIntervalMs: tuning.launchIntervalMs,
  bootMs: 30,
  instanceTypes: [{ name: "gpu_1x_a10", priceCentsPerHour: 129, vcpus: 30, memoryGiB: 200, gpus: 1, regions: ["us-east-1"] }],
});
let fake: FakeLambdaCloud;
let apiUrl: string;
beforeEach(() => ({ fake, apiUrl } = account));

test("serialized key, firewall and instance providers create, read, update and delete against the fake, leaving the account as it was", async () => {
  const keys = await asTheEngineRunsIt(sshKeyProvider);
  const firewalls = await asTheEngineRunsIt(firewallRulesProvider);
  const instances = await asTheEngineRunsIt(instanceProvider);
  for (const { text } of [keys, firewalls, instances]) expect(text).not.toContain(API_KEY);

  const keyInputs = { apiUrl, apiKey: API_KEY, tuning, name: "sophia-staging-deploy", publicKey: PUBLIC_KEY };
  const key = await keys.provider.create!(keyInputs);
  expect((await keys.provider.read!(key.id, key.outs as SshKeyOutputs)).props).toMatchObject({ name: "sophia-staging-deploy" });

  const accountRules = [...fake.firewallRules];
  const rules = lambdaFirewallRules({ sshCidrs: ["198.51.100.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] }, "sophia-staging");
  const firewall = await firewalls.provider.create!({ apiUrl, apiKey: API_KEY, tuning, owner: "sophia-staging", rules });
  const narrower = rules.slice(0, 1);
  const firewallUpdated = await firewalls.provider.update!(firewall.id, firewall.outs as FirewallRulesOutputs, { apiUrl, apiKey: API_KEY, tuning, owner: "sophia-staging", rules: narrower });
  expect(fake.firewallRules).toEqual([...accountRules, ...narrower]);

  // Two instances created at once by one serialized provider: the launch pacing lives outside the
  // provider's text, and both launches land without a 429 from the fake's launch limit.
  const instanceInputs = (name: string) => ({
    apiUrl,
    apiKey: API_KEY,
    tuning,
    name,
    sshKeyName: "sophia-staging-deploy",
    activeTimeoutSeconds: 5,
    candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }],
  });
  const [a, b] = await Promise.all([instances.provider.create!(instanceInputs("node-a")), instances.provider.create!(instanceInputs("node-b"))]);
  expect(fake.requests.filter((r) => r.path === "/instance-operations/launch").map((r) => r.status)).toEqual([200, 200]);
  const read = await instances.provider.read!(a.id, a.outs as InstanceOutputs);
  expect(read.props).toMatchObject({ status: "active", name: "node-a" });
  const renamed = await instances.provider.update!(a.id, a.outs as InstanceOutputs, instanceInputs("node-a2"));
  expect(renamed.outs).toMatchObject({ instanceId: a.id, name: "node-a2" });

  await instances.provider.delete!(a.id, renamed.outs as InstanceOutputs);
  await instances.provider.delete!(b.id, b.outs as InstanceOutputs);
  await keys.provider.delete!(key.id, key.outs as SshKeyOutputs);
  await firewalls.provider.delete!(firewall.id, firewallUpdated.outs as FirewallRulesOutputs);
  expect(fake.liveInstances()).toEqual([]);
  expect(fake.sshKeys.size).toBe(0);
  expect(fake.firewallRules).toEqual(accountRules);
});

test("serialized: a deploy-key rotation keeps the instance, defers the old key while it runs, and deletes it with the instance", async () => {
  const keys = (await asTheEngineRunsIt(sshKeyProvider)).provider;
  const instances = (await asTheEngineRunsIt(instanceProvider)).provider;
  const keyInputs = (name: string, publicKey: string) => ({ apiUrl, apiKey: API_KEY, tuning, name, publicKey });
  const oldKey = await keys.create!(keyInputs("sophia-staging-deploy-old", PUBLIC_KEY));
  const inputs = (sshKeyName: string) => ({ apiUrl, apiKey: API_KEY, tuning, name: "node-a", sshKeyName, activeTimeoutSeconds: 5, candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }] });
  const created = await instances.create!(inputs("sophia-staging-deploy-old"));
  const newKey = await keys.create!(keyInputs("sophia-staging-deploy-new", PUBLIC_KEY.replace("Fake", "Next")));
  const updated = await instances.update!(created.id, created.outs as InstanceOutputs, inputs("sophia-staging-deploy-new"));
  await keys.delete!(oldKey.id, oldKey.outs as SshKeyOutputs);
  expect(fake.sshKeys.size).toBe(2);
  await instances.delete!(created.id, updated.outs as InstanceOutputs);
  await keys.delete!(newKey.id, newKey.outs as SshKeyOutputs);
  expect({ instances: fake.liveInstances().length, keys: fake.sshKeys.size }).toEqual({ instances: 0, keys: 0 });
});

test("serialized: a filesystem is created, read, adopted by name with its data, replaced by deleting first, and deleted", async () => {
  const { provider, text } = await asTheEngineRunsIt(filesystemProvider);
  expect(text).not.toContain(API_KEY);
  const inputs = (name: string, region = "us-east-1") => ({ apiUrl, apiKey: API_KEY, tuning, name, region });
  expect((await provider.check!({} as never, inputs("sophia-staging-state"))).failures).toEqual([]);
  expect((await provider.check!({} as never, inputs("1-bad_name"))).failures).toEqual([{ property: "name", reason: `expected 1-60 characters, a letter first, then letters, digits or '-'; got "1-bad_name"` }]);

  const created = await provider.create!(inputs("sophia-staging-state"));
  expect(created.outs).toMatchObject({ name: "sophia-staging-state", region: "us-east-1", filesystemId: created.id, mountPoint: "/lambda/nfs/sophia-staging-state" });
  expect((await provider.read!(created.id, created.outs as FilesystemOutputs)).props).toMatchObject({ filesystemId: created.id, region: "us-east-1" });
  // A state lost and rebuilt (or a second stack) gets the same filesystem back, not a new one.
  expect((await provider.create!(inputs("sophia-staging-state"))).id).toBe(created.id);
  expect(fake.filesystems.size).toBe(1);

  // Another name or region is another filesystem; under the same name the old one must go first.
  expect(await provider.diff!(created.id, created.outs as FilesystemOutputs, inputs("sophia-staging-state", "us-west-1"))).toMatchObject({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
  expect(await provider.diff!(created.id, created.outs as FilesystemOutputs, inputs("sophia-staging-state"))).toMatchObject({ changes: false });

  await provider.delete!(created.id, created.outs as FilesystemOutputs);
  expect(fake.filesystems.size).toBe(0);
  expect((await provider.read!(created.id, created.outs as FilesystemOutputs)).props).toBeUndefined();
  // Already gone: nothing to do.
  await provider.delete!(created.id, created.outs as FilesystemOutputs);
});
