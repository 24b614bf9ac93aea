// The filesystem provider as the engine runs it (serialized, then loaded back from its text), against
// the fake Lambda API: created, read, adopted by name, refused in another region, and never deleted
// while an instance has it attached; the fake attaches a filesystem only in its own region.
import { LambdaClient } from "./api/client";
import type { FilesystemOutputs } from "./inputs";
import { filesystemProvider } from "./providers";
import { asTheEngineRunsIt, type FakeLambdaCloud } from "./testing";
import { useFakeAccount } from "./testing/fake-account-fixture";

const API_KEY = "secret_sophia-filesystem_0123456789abcdef";
const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests000000000000000000000000 test";
const tuning = { launchIntervalMs: 100, retryBaseDelayMs: 5, pollIntervalMs: 10 };

const account = useFakeAccount({
  apiKey: API_KEY,
  launchIntervalMs: tuning.launchIntervalMs,
  bootMs: 30,
  instanceTypes: [{ name: "gpu_1x_a10", priceCentsPerHour: 129, vcpus: 30, memoryGiB: 200, gpus: 1, regions: ["us-east-1", "us-west-1"] }],
});
let fake: FakeLambdaCloud;
let apiUrl: string;
beforeEach(() => ({ fake, apiUrl } = account));

const inputs = (name: string, region = "us-east-1") => ({ apiUrl, apiKey: API_KEY, tuning, name, region });
const client = () => new LambdaClient({ apiUrl, apiKey: API_KEY, launchIntervalMs: tuning.launchIntervalMs, retry: { baseDelayMs: 5 } });

test("serialized: created, read, adopted by name with its data, and refused under its name in another region", async () => {
  const { provider, text } = await asTheEngineRunsIt(filesystemProvider);
  expect(text).not.toContain(API_KEY);
  expect((await provider.check!({} as never, inputs("sophia-staging-state"))).failures).toEqual([]);
  expect((await provider.check!({} as never, inputs("1-bad_name"))).failures).toEqual([{ property: "name", reason: `expected 1-60 characters, a letter first, then letters, digits or '-'; got "1-bad_name"` }]);

  const created = await provider.create!(inputs("sophia-staging-state"));
  expect(created.outs).toMatchObject({ name: "sophia-staging-state", region: "us-east-1", filesystemId: created.id, mountPoint: "/lambda/nfs/sophia-staging-state" });
  expect((await provider.read!(created.id, created.outs as FilesystemOutputs)).props).toMatchObject({ filesystemId: created.id, region: "us-east-1" });

  // A second stack state (or a state lost and rebuilt) gets the same filesystem back, not a new one.
  const adopted = await provider.create!(inputs("sophia-staging-state"));
  expect(adopted.id).toBe(created.id);
  expect(fake.filesystems.size).toBe(1);

  await expect(provider.create!(inputs("sophia-staging-state", "us-west-1"))).rejects.toThrow(
    "filesystem sophia-staging-state: Lambda already has a filesystem of that name in us-east-1 (" + created.id + "), and names are unique per account; nothing was changed.",
  );
  expect(fake.filesystems.size).toBe(1);

  // A name or region change is another filesystem; the same name must go first.
  expect(await provider.diff!(created.id, created.outs as FilesystemOutputs, inputs("sophia-staging-state", "us-west-1"))).toMatchObject({ changes: true, replaces: ["region"], deleteBeforeReplace: true });
  expect(await provider.diff!(created.id, created.outs as FilesystemOutputs, inputs("sophia-staging-state"))).toMatchObject({ changes: false });

  await provider.delete!(created.id, created.outs as FilesystemOutputs);
  expect(fake.filesystems.size).toBe(0);
  expect((await provider.read!(created.id, created.outs as FilesystemOutputs)).props).toBeUndefined();
  // Already gone: nothing to do.
  await provider.delete!(created.id, created.outs as FilesystemOutputs);
});

test("serialized: a delete is refused, naming the instance, while one has the filesystem attached, and goes through once it is terminated", async () => {
  const { provider } = await asTheEngineRunsIt(filesystemProvider);
  const created = await provider.create!(inputs("sophia-production-state"));
  const lambda = client();
  await lambda.addSshKey("sophia-production-deploy", PUBLIC_KEY);
  // The fake attaches a filesystem only in its own region, as Lambda does.
  await expect(lambda.launch({ region_name: "us-west-1", instance_type_name: "gpu_1x_a10", ssh_key_names: ["sophia-production-deploy"], file_system_names: ["sophia-production-state"], name: "elsewhere" })).rejects.toThrow("does not exist in region us-west-1");
  await new Promise((resolve) => setTimeout(resolve, tuning.launchIntervalMs));
  const [instanceId] = await lambda.launch({ region_name: "us-east-1", instance_type_name: "gpu_1x_a10", ssh_key_names: ["sophia-production-deploy"], file_system_names: ["sophia-production-state"], name: "sophia-production-platform" });

  await expect(provider.delete!(created.id, created.outs as FilesystemOutputs)).rejects.toThrow(
    `filesystem sophia-production-state (${created.id}) is attached to sophia-production-platform (${instanceId}); nothing was deleted.`,
  );
  expect(fake.filesystems.size).toBe(1);
  expect((await lambda.listFilesystems())[0]).toMatchObject({ is_in_use: true, mount_point: "/lambda/nfs/sophia-production-state" });

  await lambda.terminate([instanceId!]);
  for (let i = 0; i < 100 && fake.liveInstances().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  await provider.delete!(created.id, created.outs as FilesystemOutputs);
  expect(fake.filesystems.size).toBe(0);
  await lambda.deleteSshKey((await lambda.listSshKeys())[0]!.id);
});
