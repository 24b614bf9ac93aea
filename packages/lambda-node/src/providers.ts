// Dynamic providers for Lambda Cloud (no official Pulumi provider exists). Each method is one API
// conversation; diffs are the pure functions in ./diff. Pulumi serializes these objects into the
// state, so they only reference this package's own modules and globals (fetch, timers).
import type * as pulumi from "@pulumi/pulumi";
import { LambdaClient } from "./api/client";
import { isLambdaError, LAMBDA_ERROR } from "./api/errors";
import type { WireFilesystem, WireFirewallRule, WireInstance, WireSshKey } from "./api/wire";
import { filesystemDiff, firewallRulesDiff, instanceDiff, sshKeyDiff } from "./diff";
import { mergeFirewallRules, ownedBy, worldOpenRules } from "./firewall";
import type { FilesystemInputs, FilesystemOutputs, FirewallRulesInputs, FirewallRulesOutputs, InstanceInputs, InstanceOutputs, SshKeyInputs, SshKeyOutputs } from "./inputs";
import { launchInstance } from "./launch";

/** A provider as the engine holds it: `configure` hands it the stack's current config, kept on the
 * provider object itself (it is rebuilt from its serialized text in each provider process). */
type Provider<I, O> = pulumi.dynamic.ResourceProvider<I, O> & { config?: pulumi.dynamic.Config };

type ApiInputs = SshKeyInputs | FirewallRulesInputs | InstanceInputs | FilesystemInputs;

/** The client for a call. `config`, when given, supplies a rotated API key over the stored one. */
function clientFor(inputs: ApiInputs, config?: pulumi.dynamic.Config): LambdaClient {
  const current = inputs.apiKeyConfigKey ? config?.get(inputs.apiKeyConfigKey) : undefined;
  return new LambdaClient({
    apiUrl: inputs.apiUrl,
    apiKey: current || inputs.apiKey,
    launchIntervalMs: inputs.tuning?.launchIntervalMs,
    requestTimeoutMs: inputs.tuning?.requestTimeoutMs,
    retry: inputs.tuning?.retryBaseDelayMs === undefined ? undefined : { baseDelayMs: inputs.tuning.retryBaseDelayMs },
    // Pulumi shows a dynamic provider's stderr in the update's diagnostics.
    log: (line) => console.error(`lambda: ${line}`),
  });
}

function failures(checks: readonly [boolean, string, string][]): pulumi.dynamic.CheckFailure[] {
  return checks.filter(([ok]) => !ok).map(([, property, reason]) => ({ property, reason }));
}

const gone = { id: undefined as unknown as string, props: undefined };

async function keepConfig(this: { config?: pulumi.dynamic.Config }, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  this.config = req.config;
}

export const sshKeyProvider: Provider<SshKeyInputs, SshKeyOutputs> = {
  configure: keepConfig,
  async check(_olds, news) {
    const problems = failures([
      [/^[A-Za-z0-9._-]{1,64}$/.test(news.name ?? ""), "name", `expected 1-64 letters, digits, '.', '_' or '-'; got "${news.name}"`],
      [/^ssh-(ed25519|rsa) \S+/.test(news.publicKey ?? ""), "publicKey", "expected an OpenSSH public key (ssh-ed25519 AAAA…)"],
    ]);
    return { inputs: news, failures: problems };
  },
  async diff(_id, olds, news) {
    return sshKeyDiff(olds, news);
  },
  async create(inputs) {
    const client = clientFor(inputs);
    let key: WireSshKey;
    try {
      key = await client.addSshKey(inputs.name, inputs.publicKey);
    } catch (error) {
      // A POST whose answer was lost (a 5xx, a cut connection) may have made the key, and then every
      // later create fails on the name. A key of that name and public key is ours: adopt it.
      const listed = await client.listSshKeys().catch(() => undefined);
      if (!listed) throw error;
      const ours = listed.find((k) => k.name === inputs.name);
      if (ours && sameKey(ours.public_key, inputs.publicKey)) {
        console.error(`lambda: SSH key ${inputs.name} (${ours.id}) already holds this public key (${(error as Error).message}); adopting it`);
        key = ours;
      } else if (ours) {
        throw new Error(
          `SSH key ${inputs.name}: Lambda already has a key of that name with another public key (${ours.id}); nothing was changed. ` +
            `If it is a leftover, delete it at https://cloud.lambda.ai/ssh-keys; otherwise change sophia:lambda.sshPublicKey back.`,
        );
      } else throw error;
    }
    return { id: key.id, outs: { ...inputs, keyId: key.id } };
  },
  async read(id, props) {
    if (!props) return gone;
    const key = (await clientFor(props, this.config).listSshKeys()).find((k) => k.id === id);
    return key ? { id, props: { ...props, name: key.name, publicKey: key.public_key } } : gone;
  },
  async update(_id, olds, news) {
    return { outs: { ...news, keyId: olds.keyId } };
  },
  async delete(id, props) {
    await deleteKeyUnlessLaunchedWith(clientFor(props, this.config), id, props.name, { pollMs: props.tuning?.pollIntervalMs });
  },
};

/**
 * A Lambda persistent filesystem. Its data outlives every instance, so:
 * - create adopts a filesystem of the same name in the same region (names are unique per account, and
 *   a POST whose answer was lost may have made it), and refuses one of that name in another region;
 * - delete refuses, naming them, while running instances have it attached (Lambda refuses too), and
 *   a filesystem already gone is gone.
 * Production protects the resource (the stack's `protect`), so a destroy never reaches delete there.
 */
export const filesystemProvider: Provider<FilesystemInputs, FilesystemOutputs> = {
  configure: keepConfig,
  async check(_olds, news) {
    const problems = failures([
      [/^[A-Za-z][0-9A-Za-z-]{0,59}$/.test(news.name ?? ""), "name", `expected 1-60 characters, a letter first, then letters, digits or '-'; got "${news.name}"`],
      [typeof news.region === "string" && news.region.length > 0, "region", "expected the region the filesystem lives in (it attaches only to instances launched there)"],
    ]);
    return { inputs: news, failures: problems };
  },
  async diff(_id, olds, news) {
    return filesystemDiff(olds, news);
  },
  async create(inputs) {
    const client = clientFor(inputs);
    const adopt = (listed: readonly WireFilesystem[]) => {
      const named = listed.find((f) => f.name === inputs.name);
      if (named && named.region.name !== inputs.region) {
        throw new Error(`filesystem ${inputs.name}: Lambda already has a filesystem of that name in ${named.region.name} (${named.id}), and names are unique per account; nothing was changed. Keep sophia's region ${named.region.name}, or give this one another name.`);
      }
      return named;
    };
    let filesystem = adopt(await client.listFilesystems());
    if (filesystem) console.error(`lambda: filesystem ${inputs.name} (${filesystem.id}) already exists in ${inputs.region}; adopting it and its data`);
    else {
      try {
        filesystem = await client.createFilesystem(inputs.name, inputs.region);
      } catch (error) {
        // An answer lost after Lambda made it: the filesystem is ours by name and region.
        const made = adopt((await client.listFilesystems().catch(() => undefined)) ?? []);
        if (!made) throw error;
        console.error(`lambda: filesystem ${inputs.name} (${made.id}) was made although its create failed (${(error as Error).message}); adopting it`);
        filesystem = made;
      }
    }
    return { id: filesystem.id, outs: { ...inputs, filesystemId: filesystem.id, mountPoint: filesystem.mount_point } };
  },
  async read(id, props) {
    if (!props) return gone;
    const filesystem = (await clientFor(props, this.config).listFilesystems()).find((f) => f.id === id);
    if (!filesystem) return gone;
    return { id, props: { ...props, name: filesystem.name, region: filesystem.region.name, filesystemId: filesystem.id, mountPoint: filesystem.mount_point } };
  },
  async delete(id, props) {
    const client = clientFor(props, this.config);
    const filesystem = (await client.listFilesystems()).find((f) => f.id === id);
    if (!filesystem) return;
    const holders = (await client.listInstances()).filter((i) => isRunning(i.status) && i.file_system_names.includes(filesystem.name));
    if (holders.length > 0 || filesystem.is_in_use) {
      const named = holders.map((i) => `${i.name ?? "(unnamed)"} (${i.id})`).join(", ") || "an instance";
      throw new Error(`filesystem ${filesystem.name} (${id}) is attached to ${named}; nothing was deleted. Terminate or relaunch them without it first: its data would be lost with it.`);
    }
    try {
      await client.deleteFilesystem(id);
    } catch (error) {
      if (!isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) throw error;
    }
  },
};

/** Two OpenSSH public keys are the same key when their type and body are (comments differ). */
const sameKey = (a: string, b: string) => a.trim().split(/\s+/).slice(0, 2).join(" ") === b.trim().split(/\s+/).slice(0, 2).join(" ");

/** An instance still running (and so still holding the key it was launched with). A function, not a
 * module-level Set: the serialized provider loses a Set's internals. */
const isRunning = (status: string) => status === "booting" || status === "active" || status === "unhealthy";

/**
 * Deletes a Lambda SSH key. Lambda refuses while an instance launched with it exists: instances still
 * terminating are waited for; running ones were launched with a key that has since rotated, so the key
 * stays with them, and the last of them deletes it when it is terminated (`retireLaunchKey`).
 */
async function deleteKeyUnlessLaunchedWith(client: LambdaClient, id: string, name: string, opts: { terminated?: string; pollMs?: number; waitMs?: number } = {}): Promise<void> {
  const { pollMs = 5_000, waitMs = 300_000 } = opts;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await client.deleteSshKey(id);
    } catch (error) {
      if (isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) return;
      if (!isLambdaError(error, LAMBDA_ERROR.keyInUse)) throw error;
    }
    const users = (await client.listInstances()).filter((i) => i.ssh_key_names.includes(name));
    // The instance just terminated may still be listed as running for a moment (the list lags).
    const running = users.filter((i) => isRunning(i.status) && i.id !== opts.terminated);
    if (running.length > 0) {
      console.error(`lambda: SSH key ${name} stays registered while ${running.map((i) => `${i.name ?? i.id} (${i.id})`).join(", ")}, launched with it, run; the last of them deletes it when terminated`);
      return;
    }
    if (Date.now() >= deadline) throw new Error(`SSH key ${name} (${id}): Lambda still calls it in use ${waitMs / 1000}s after its instances were terminated; delete it at https://cloud.lambda.ai/ssh-keys once they are gone`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** After a terminate: the instance's launch key, if rotated out since, goes once no running instance
 * holds it (the key resource itself left it registered for them). */
async function retireLaunchKey(client: LambdaClient, props: InstanceOutputs): Promise<void> {
  const launchKey = props.launchKeyName;
  if (!launchKey || launchKey === props.sshKeyName) return;
  const key = (await client.listSshKeys()).find((k) => k.name === launchKey);
  if (!key) return;
  const holders = (await client.listInstances()).filter((i) => i.id !== props.instanceId && isRunning(i.status) && i.ssh_key_names.includes(launchKey));
  if (holders.length > 0) return;
  await deleteKeyUnlessLaunchedWith(client, key.id, launchKey, { terminated: props.instanceId, pollMs: props.tuning?.pollIntervalMs });
}

/** Keys of this pool (`<pool>-deploy-<tag>`, as LambdaNodePool names them) other than the current one
 * that no running instance holds any more. A rotation leaves the old key for the instances launched
 * with it, and the last of them to be deleted retires it (`retireLaunchKey`); one that was never in
 * the state (a stray of a failed launch, terminated by hand as its error says) has no delete to do
 * that, so every instance create and delete of the pool also sweeps what is left. */
async function sweepRetiredKeys(client: LambdaClient, currentKeyName: string, opts: { terminated?: string; pollMs?: number } = {}): Promise<void> {
  try {
    await sweep(client, currentKeyName, opts);
  } catch (error) {
    // Never fail the instance's own operation for it (a launched instance must reach the state): the next one sweeps again.
    console.error(`lambda: warning: rotated-out SSH keys of this pool were not swept (${(error as Error).message}); the next instance create or delete tries again`);
  }
}

async function sweep(client: LambdaClient, currentKeyName: string, opts: { terminated?: string; pollMs?: number }): Promise<void> {
  const pool = /^(.+-deploy-)[0-9a-f]{8}$/.exec(currentKeyName)?.[1];
  if (!pool) return;
  const retired = (await client.listSshKeys()).filter((k) => k.name !== currentKeyName && k.name.startsWith(pool) && /^[0-9a-f]{8}$/.test(k.name.slice(pool.length)));
  if (retired.length === 0) return;
  const running = (await client.listInstances()).filter((i) => isRunning(i.status) && i.id !== opts.terminated);
  for (const key of retired.filter((k) => !running.some((i) => i.ssh_key_names.includes(k.name)))) {
    console.error(`lambda: SSH key ${key.name} (${key.id}) was rotated out and no running instance holds it any more; deleting it`);
    await deleteKeyUnlessLaunchedWith(client, key.id, key.name, opts);
  }
}

export const firewallRulesProvider: Provider<FirewallRulesInputs, FirewallRulesOutputs> = {
  configure: keepConfig,
  async check(_olds, news) {
    const problems = failures([
      [Array.isArray(news.rules) && news.rules.length > 0, "rules", "expected at least one rule; an empty list would close SSH"],
      [/^[A-Za-z0-9._-]{1,64}$/.test(news.owner ?? ""), "owner", `expected the node pool's name; got "${news.owner}"`],
    ]);
    return { inputs: news, failures: problems };
  },
  async diff(_id, olds, news) {
    return firewallRulesDiff(olds, news);
  },
  async create(inputs) {
    await putOwnRules(clientFor(inputs), inputs.owner, inputs.rules);
    return { id: `firewall-rules/${inputs.owner}`, outs: { ...inputs } };
  },
  async read(id, props) {
    if (!props) return gone;
    // Only this owner's rules: a drift in them shows; the rest of the account is not ours to track.
    const current = await clientFor(props, this.config).firewallRules();
    return { id, props: { ...props, rules: current.filter((r) => ownedBy(r, props.owner)) } };
  },
  async update(_id, _olds, news) {
    await putOwnRules(clientFor(news), news.owner, news.rules);
    return { outs: { ...news } };
  },
  async delete(_id, props) {
    await putOwnRules(clientFor(props, this.config), props.owner, []);
  },
};

/** Replaces this owner's rules in the account's list, keeping everyone else's. */
async function putOwnRules(client: LambdaClient, owner: string, rules: readonly WireFirewallRule[]): Promise<void> {
  const current = await client.firewallRules();
  for (const open of worldOpenRules(current, owner)) {
    console.error(`lambda: warning: the account's firewall also has ${open.protocol} ${open.port_range?.join("-") ?? "all"} from ${open.source_network} ("${open.description ?? ""}"), which stack ${owner} does not own; remove it in the Lambda console if no stack needs it (the node's host firewall still admits only the configured CIDRs)`);
  }
  await client.replaceFirewallRules(mergeFirewallRules(current, owner, rules));
}

const instanceOutputs = (inputs: InstanceInputs, instance: WireInstance): InstanceOutputs => ({
  ...inputs,
  instanceId: instance.id,
  region: instance.region.name,
  instanceType: instance.instance_type.name,
  ip: instance.ip ?? "",
  hostname: instance.hostname ?? "",
  status: instance.status,
  launchKeyName: instance.ssh_key_names?.[0],
});

export const instanceProvider: Provider<InstanceInputs, InstanceOutputs> = {
  configure: keepConfig,
  async check(_olds, news) {
    const problems = failures([
      [Array.isArray(news.candidates) && news.candidates.length > 0, "candidates", "expected at least one (region, instance type) pair"],
      [/^[A-Za-z0-9._-]{1,64}$/.test(news.name ?? ""), "name", `expected at most 64 letters, digits, '.', '_' or '-'; got "${news.name}"`],
      [Number.isFinite(news.activeTimeoutSeconds) && news.activeTimeoutSeconds > 0, "activeTimeoutSeconds", "expected a positive number of seconds"],
    ]);
    return { inputs: news, failures: problems };
  },
  async diff(_id, olds, news) {
    return instanceDiff(olds, news);
  },
  async create(inputs) {
    const instance = await launchInstance(clientFor(inputs), {
      name: inputs.name,
      candidates: inputs.candidates,
      sshKeyName: inputs.sshKeyName,
      fileSystemNames: inputs.fileSystemNames,
      activeTimeoutMs: inputs.activeTimeoutSeconds * 1000,
      pollIntervalMs: inputs.tuning?.pollIntervalMs ?? 10_000,
      strayWindowMs: inputs.tuning?.strayWindowMs,
      log: (line) => console.error(`lambda: ${line}`),
    });
    await sweepRetiredKeys(clientFor(inputs), inputs.sshKeyName, { pollMs: inputs.tuning?.pollIntervalMs });
    return { id: instance.id, outs: instanceOutputs(inputs, instance) };
  },
  async read(id, props) {
    if (!props) return gone;
    try {
      const instance = await clientFor(props, this.config).getInstance(id);
      // A terminated instance is as gone as a missing one: refresh drops it from the state. The name
      // is Lambda's, so a rename made outside Pulumi shows as a difference on the next up.
      return instance.status === "terminated" ? gone : { id, props: { ...instanceOutputs(props, instance), name: instance.name ?? "" } };
    } catch (error) {
      if (isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) return gone;
      throw error;
    }
  },
  async update(id, olds, news) {
    const client = clientFor(news);
    const instance = olds.name === news.name ? await client.getInstance(id) : await client.renameInstance(id, news.name);
    return { outs: instanceOutputs(news, instance) };
  },
  async delete(id, props) {
    const client = clientFor(props, this.config);
    try {
      await client.terminate([id]);
    } catch (error) {
      if (!isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) throw error;
    }
    await retireLaunchKey(client, props);
    await sweepRetiredKeys(client, props.sshKeyName, { terminated: props.instanceId, pollMs: props.tuning?.pollIntervalMs });
  },
};
