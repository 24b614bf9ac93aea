// Dynamic providers for Lambda Cloud (no official Pulumi provider exists). Each method is one API
// conversation; diffs are the pure functions in ./diff. Pulumi serializes these objects into the
// state, so they only reference this package's own modules and globals (fetch, timers).
import type * as pulumi from "@pulumi/pulumi";
import { LambdaClient } from "./api/client";
import { isLambdaError, LAMBDA_ERROR } from "./api/errors";
import type { WireInstance } from "./api/wire";
import { firewallRulesDiff, instanceDiff, sshKeyDiff } from "./diff";
import type { FirewallRulesInputs, FirewallRulesOutputs, InstanceInputs, InstanceOutputs, SshKeyInputs, SshKeyOutputs } from "./inputs";
import { launchInstance } from "./launch";

type Provider<I, O> = pulumi.dynamic.ResourceProvider<I, O>;

function clientFor(inputs: SshKeyInputs | FirewallRulesInputs | InstanceInputs): LambdaClient {
  return new LambdaClient({
    apiUrl: inputs.apiUrl,
    apiKey: inputs.apiKey,
    launchIntervalMs: inputs.tuning?.launchIntervalMs,
    retry: inputs.tuning?.retryBaseDelayMs === undefined ? undefined : { baseDelayMs: inputs.tuning.retryBaseDelayMs },
    // Pulumi shows a dynamic provider's stderr in the update's diagnostics.
    log: (line) => console.error(`lambda: ${line}`),
  });
}

function failures(checks: readonly [boolean, string, string][]): pulumi.dynamic.CheckFailure[] {
  return checks.filter(([ok]) => !ok).map(([, property, reason]) => ({ property, reason }));
}

const gone = { id: undefined as unknown as string, props: undefined };

export const sshKeyProvider: Provider<SshKeyInputs, SshKeyOutputs> = {
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
    const key = await clientFor(inputs).addSshKey(inputs.name, inputs.publicKey);
    return { id: key.id, outs: { ...inputs, keyId: key.id } };
  },
  async read(id, props) {
    if (!props) return gone;
    const key = (await clientFor(props).listSshKeys()).find((k) => k.id === id);
    return key ? { id, props: { ...props, name: key.name, publicKey: key.public_key } } : gone;
  },
  async update(_id, olds, news) {
    return { outs: { ...news, keyId: olds.keyId } };
  },
  async delete(id, props) {
    try {
      await clientFor(props).deleteSshKey(id);
    } catch (error) {
      if (!isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) throw error;
    }
  },
};

export const firewallRulesProvider: Provider<FirewallRulesInputs, FirewallRulesOutputs> = {
  async check(_olds, news) {
    const problems = failures([[Array.isArray(news.rules) && news.rules.length > 0, "rules", "expected at least one rule; an empty list would close SSH"]]);
    return { inputs: news, failures: problems };
  },
  async diff(_id, olds, news) {
    return firewallRulesDiff(olds, news);
  },
  async create(inputs) {
    const client = clientFor(inputs);
    const previousRules = await client.firewallRules();
    const rules = await client.replaceFirewallRules(inputs.rules);
    return { id: "firewall-rules", outs: { ...inputs, rules, previousRules } };
  },
  async read(id, props) {
    if (!props) return gone;
    return { id, props: { ...props, rules: await clientFor(props).firewallRules() } };
  },
  async update(_id, olds, news) {
    const rules = await clientFor(news).replaceFirewallRules(news.rules);
    return { outs: { ...news, rules, previousRules: olds.previousRules } };
  },
  async delete(_id, props) {
    await clientFor(props).replaceFirewallRules(props.previousRules);
  },
};

const instanceOutputs = (inputs: InstanceInputs, instance: WireInstance): InstanceOutputs => ({
  ...inputs,
  instanceId: instance.id,
  region: instance.region.name,
  instanceType: instance.instance_type.name,
  ip: instance.ip ?? "",
  hostname: instance.hostname ?? "",
  status: instance.status,
});

export const instanceProvider: Provider<InstanceInputs, InstanceOutputs> = {
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
      activeTimeoutMs: inputs.activeTimeoutSeconds * 1000,
      pollIntervalMs: inputs.tuning?.pollIntervalMs ?? 10_000,
      log: (line) => console.error(`lambda: ${line}`),
    });
    return { id: instance.id, outs: instanceOutputs(inputs, instance) };
  },
  async read(id, props) {
    if (!props) return gone;
    try {
      const instance = await clientFor(props).getInstance(id);
      // A terminated instance is as gone as a missing one: refresh drops it from the state.
      return instance.status === "terminated" ? gone : { id, props: instanceOutputs(props, instance) };
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
    try {
      await clientFor(props).terminate([id]);
    } catch (error) {
      if (!isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) throw error;
    }
  },
};
