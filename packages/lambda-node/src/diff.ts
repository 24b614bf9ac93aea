// Diff semantics of the Lambda resources, as pure functions: what Lambda can change in place
// (an instance's name, the firewall list) updates; what it fixes at creation replaces.
import type * as pulumi from "@pulumi/pulumi";
import { sameRules } from "./firewall";
import type { FilesystemInputs, FirewallRulesInputs, InstanceInputs, InstanceOutputs, SshKeyInputs } from "./inputs";

type DiffResult = pulumi.dynamic.DiffResult;

/** Inputs that only steer the client (endpoint, key, pacing); changing them touches nothing at Lambda. */
const CLIENT_KEYS = ["apiUrl", "apiKey", "apiKeyConfigKey", "tuning"] as const;

function clientChanged(olds: Partial<Record<(typeof CLIENT_KEYS)[number], unknown>>, news: typeof olds): boolean {
  return CLIENT_KEYS.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

export function instanceDiff(olds: InstanceOutputs, news: InstanceInputs): DiffResult {
  const replaces: string[] = [];
  // The candidate list is a preference order for launching. A running instance whose (region, type)
  // is still allowed stays; one that is no longer allowed must move, which means a new instance.
  const stillAllowed = news.candidates.some((c) => c.region === olds.region && c.instanceType === olds.instanceType);
  if (!stillAllowed) replaces.push("candidates");
  // Filesystems attach only at launch: another set means another instance.
  const attached = (i: InstanceInputs) => [...(i.fileSystemNames ?? [])].sort().join(",");
  if (attached(olds) !== attached(news)) replaces.push("fileSystemNames");
  // The SSH key matters only at launch (Lambda writes it into the node once); a rotated key reaches a
  // running node through its NodeDeployKey, so a new key name is recorded, not a new instance.
  const updates = olds.name !== news.name || olds.sshKeyName !== news.sshKeyName || olds.activeTimeoutSeconds !== news.activeTimeoutSeconds || clientChanged(olds, news);
  return { changes: replaces.length > 0 || updates, replaces, deleteBeforeReplace: false };
}

export function sshKeyDiff(olds: SshKeyInputs, news: SshKeyInputs): DiffResult {
  // Lambda has no update for keys. A new name (the pool names keys after their fingerprint) means the
  // new key is added before the old one goes; a new key under the same name must wait for the old one
  // to go, since names are unique per account.
  const replaces = (["name", "publicKey"] as const).filter((k) => olds[k] !== news[k]);
  return { changes: replaces.length > 0 || clientChanged(olds, news), replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === news.name };
}

export function filesystemDiff(olds: FilesystemInputs, news: FilesystemInputs): DiffResult {
  // Lambda has no update for filesystems, and names are unique per account: another name or region
  // is another filesystem, and the old one must go first (which it refuses while attached).
  const replaces = (["name", "region"] as const).filter((k) => olds[k] !== news[k]);
  return { changes: replaces.length > 0 || clientChanged(olds, news), replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === news.name };
}

export function firewallRulesDiff(olds: FirewallRulesInputs, news: FirewallRulesInputs): DiffResult {
  // A new owner is a new set of rules: the old owner's are removed once the new ones are in.
  const replaces = olds.owner === news.owner ? [] : ["owner"];
  return { changes: replaces.length > 0 || !sameRules(olds.rules, news.rules) || clientChanged(olds, news), replaces, deleteBeforeReplace: false };
}
