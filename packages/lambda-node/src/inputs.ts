// Inputs and outputs of the Lambda dynamic resources, as the providers see them (plain values).
import type { WireFirewallRule } from "./api/wire";
import type { LaunchCandidate } from "./launch";

/** Client pacing, for tests against the fake; production leaves it out and gets Lambda's limits. */
export interface ClientTuning {
  readonly launchIntervalMs?: number;
  readonly retryBaseDelayMs?: number;
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  readonly strayWindowMs?: number;
}

interface ApiInputs {
  readonly apiUrl: string;
  /** A Pulumi secret in the program; plain here, inside the provider. */
  readonly apiKey: string;
  /** The stack config key that holds the API key: refresh and destroy take the current key from the
   * stack's config (the state keeps the one of the last `up`, which a rotation made stale). */
  readonly apiKeyConfigKey?: string;
  readonly tuning?: ClientTuning;
}

export interface SshKeyInputs extends ApiInputs {
  readonly name: string;
  readonly publicKey: string;
}
export interface SshKeyOutputs extends SshKeyInputs {
  readonly keyId: string;
}

export interface FilesystemInputs extends ApiInputs {
  /** Unique per account: 1-60 characters, a letter first, then letters, digits and dashes. */
  readonly name: string;
  /** Where it lives; it attaches only to instances launched in this region. */
  readonly region: string;
}
export interface FilesystemOutputs extends FilesystemInputs {
  readonly filesystemId: string;
  /** Where an instance launched with it mounts it: /lambda/nfs/<name>. */
  readonly mountPoint: string;
}

export interface FirewallRulesInputs extends ApiInputs {
  /** Whose rules these are (the node pool's name); the account's other rules are left alone. */
  readonly owner: string;
  /** This owner's rules only. */
  readonly rules: readonly WireFirewallRule[];
}
export type FirewallRulesOutputs = FirewallRulesInputs;

export interface InstanceInputs extends ApiInputs {
  readonly name: string;
  readonly candidates: readonly LaunchCandidate[];
  readonly sshKeyName: string;
  readonly activeTimeoutSeconds: number;
  /** Persistent filesystems attached at launch (Lambda mounts each at /lambda/nfs/<name>); every
   * candidate must be in their region. Absent in states written before filesystems: none. */
  readonly fileSystemNames?: readonly string[];
}
export interface InstanceOutputs extends InstanceInputs {
  readonly instanceId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly ip: string;
  readonly hostname: string;
  readonly status: string;
  /** The key Lambda launched it with (its `ssh_key_names`); after a rotation it differs from
   * `sshKeyName`, and that retired key is deleted with the last instance launched with it. */
  readonly launchKeyName?: string;
}
