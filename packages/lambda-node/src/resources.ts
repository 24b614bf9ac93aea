// The Lambda Cloud resources, as Pulumi sees them. The API key goes in as a secret and stays one in
// the state (additionalSecretOutputs), so it is never shown by a preview or stored in plain text.
import * as pulumi from "@pulumi/pulumi";
import type { WireFirewallRule } from "./api/wire";
import type { ClientTuning } from "./inputs";
import type { LaunchCandidate } from "./launch";
import { filesystemProvider, firewallRulesProvider, instanceProvider, sshKeyProvider } from "./providers";

interface ApiArgs {
  readonly apiUrl: pulumi.Input<string>;
  /** Must be a Pulumi secret (config.requireSecret). */
  readonly apiKey: pulumi.Input<string>;
  /** The stack config key holding the API key, so refresh and destroy use a rotated one. */
  readonly apiKeyConfigKey?: string;
  readonly tuning?: ClientTuning;
}

const secretKey = (opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions => ({
  ...opts,
  additionalSecretOutputs: ["apiKey", ...(opts?.additionalSecretOutputs ?? [])],
});

export interface LambdaSshKeyArgs extends ApiArgs {
  readonly name: pulumi.Input<string>;
  readonly publicKey: pulumi.Input<string>;
}

export class LambdaSshKey extends pulumi.dynamic.Resource {
  declare readonly keyId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: LambdaSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(sshKeyProvider, name, { ...args, apiKey: pulumi.secret(args.apiKey), keyId: undefined }, secretKey(opts), "lambda", "SshKey");
  }
}

export interface LambdaFilesystemArgs extends ApiArgs {
  readonly name: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
}

/** A Lambda persistent filesystem: regional, mounted at /lambda/nfs/<name> on every instance launched
 * with it, and kept when they go. Adopted by name where it exists; never deleted while attached. */
export class LambdaFilesystem extends pulumi.dynamic.Resource {
  declare readonly filesystemId: pulumi.Output<string>;
  declare readonly mountPoint: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;

  constructor(name: string, args: LambdaFilesystemArgs, opts?: pulumi.CustomResourceOptions) {
    super(filesystemProvider, name, { ...args, apiKey: pulumi.secret(args.apiKey), filesystemId: undefined, mountPoint: undefined }, secretKey(opts), "lambda", "Filesystem");
  }
}

export interface LambdaFirewallRulesArgs extends ApiArgs {
  /** Whose rules these are: the account's list is shared, and only these are managed. */
  readonly owner: string;
  readonly rules: pulumi.Input<readonly WireFirewallRule[]>;
}

/** One owner's rules in the account's inbound firewall list (Lambda has one list per account, shared
 * by every stack on it); the account's other rules are kept on every change, and on delete. */
export class LambdaFirewallRules extends pulumi.dynamic.Resource {
  declare readonly rules: pulumi.Output<WireFirewallRule[]>;

  constructor(name: string, args: LambdaFirewallRulesArgs, opts?: pulumi.CustomResourceOptions) {
    super(firewallRulesProvider, name, { ...args, apiKey: pulumi.secret(args.apiKey) }, secretKey(opts), "lambda", "FirewallRules");
  }
}

export interface LambdaInstanceArgs extends ApiArgs {
  readonly name: pulumi.Input<string>;
  /** Launch preference order: the first (region, type) with capacity wins. */
  readonly candidates: pulumi.Input<readonly LaunchCandidate[]>;
  readonly sshKeyName: pulumi.Input<string>;
  readonly activeTimeoutSeconds: pulumi.Input<number>;
  /** Persistent filesystems to attach at launch, mounted at /lambda/nfs/<name>. */
  readonly fileSystemNames?: pulumi.Input<readonly pulumi.Input<string>[]>;
}

export class LambdaInstance extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly ip: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly instanceType: pulumi.Output<string>;
  declare readonly hostname: pulumi.Output<string>;

  constructor(name: string, args: LambdaInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      instanceProvider,
      name,
      { ...args, apiKey: pulumi.secret(args.apiKey), instanceId: undefined, ip: undefined, region: undefined, instanceType: undefined, hostname: undefined, status: undefined },
      secretKey(opts),
      "lambda",
      "Instance",
    );
  }
}
