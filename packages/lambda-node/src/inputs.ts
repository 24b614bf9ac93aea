// Inputs and outputs of the Lambda dynamic resources, as the providers see them (plain values).
import type { WireFirewallRule } from "./api/wire";
import type { LaunchCandidate } from "./launch";

/** Client pacing, for tests against the fake; production leaves it out and gets Lambda's limits. */
export interface ClientTuning {
  readonly launchIntervalMs?: number;
  readonly retryBaseDelayMs?: number;
  readonly pollIntervalMs?: number;
}

interface ApiInputs {
  readonly apiUrl: string;
  /** A Pulumi secret in the program; plain here, inside the provider. */
  readonly apiKey: string;
  readonly tuning?: ClientTuning;
}

export interface SshKeyInputs extends ApiInputs {
  readonly name: string;
  readonly publicKey: string;
}
export interface SshKeyOutputs extends SshKeyInputs {
  readonly keyId: string;
}

export interface FirewallRulesInputs extends ApiInputs {
  readonly rules: readonly WireFirewallRule[];
}
export interface FirewallRulesOutputs extends FirewallRulesInputs {
  /** The account's rules before this resource took them over; restored on delete. */
  readonly previousRules: readonly WireFirewallRule[];
}

export interface InstanceInputs extends ApiInputs {
  readonly name: string;
  readonly candidates: readonly LaunchCandidate[];
  readonly sshKeyName: string;
  readonly activeTimeoutSeconds: number;
}
export interface InstanceOutputs extends InstanceInputs {
  readonly instanceId: string;
  readonly region: string;
  readonly instanceType: string;
  readonly ip: string;
  readonly hostname: string;
  readonly status: string;
}
