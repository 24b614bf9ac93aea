// The deploy key a node accepts. Lambda writes the key an instance was launched with into the
// user's authorized_keys once; from then on this resource owns that file, so the deploy key rotates
// without replacing the node: it logs in with the current key or, during a rotation, the previous
// one, writes the current public key as the only entry, and checks that the current key now gets in.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { fingerprintOf, sshFailureKind, sshFailureMessage, type SshTarget, sshWithKey } from "./host-key";

export interface DeployKeyInputs extends SshTarget {
  /** The node's pinned host key: nothing is sent to a host that is not the pinned one. */
  readonly hostKey: string;
  /** `ssh-ed25519 AAAA… [comment]`: the only key the node will accept. */
  readonly publicKey: string;
  /** Its private half (a secret). */
  readonly privateKey: string;
  /** During a rotation, the key the node accepts until this resource has run (a secret). */
  readonly previousPrivateKey?: string;
}

export type DeployKeyOutputs = DeployKeyInputs & { readonly fingerprint: string };

const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/;

/** The key's type and base64 body, without its comment: what authorized_keys gets. */
export function authorizedKeyLine(publicKey: string): string {
  const match = PUBLIC_KEY.exec(publicKey.trim());
  if (!match) throw new Error(`deploy key: expected an OpenSSH public key ("ssh-ed25519 AAAA…"); got ${JSON.stringify(publicKey.trim().slice(0, 24))}…`);
  return `${match[1]} ${match[2]}`;
}

/** A short, stable tag of a public key (hex of its SHA-256), for names such as the Lambda key's. */
export function publicKeyTag(publicKey: string): string {
  const blob = authorizedKeyLine(publicKey).split(" ")[1]!;
  return createHash("sha256").update(Buffer.from(blob, "base64")).digest("hex").slice(0, 8);
}

/** Replaces the user's authorized_keys with the line on stdin, atomically (a cut connection leaves the
 * old file, never an empty one). */
export const AUTHORIZE_COMMAND =
  'umask 077 && mkdir -p "$HOME/.ssh" && cat > "$HOME/.ssh/authorized_keys.sophia" && mv -f "$HOME/.ssh/authorized_keys.sophia" "$HOME/.ssh/authorized_keys"';

export function refusedKeysMessage(target: SshTarget, publicKey: string, triedPrevious: boolean): string {
  return (
    `node ${target.host}:${target.port}: refuses the deploy key (${fingerprintOf(authorizedKeyLine(publicKey))})` +
    (triedPrevious ? " and the previous one" : "") +
    "; nothing was changed on it. If you are rotating the deploy key, keep the key the node accepts now as the previous key " +
    "(the stacks read it from the secret sophia:sshPreviousPrivateKey) for one `up`, then remove it."
  );
}

async function authorize(inputs: DeployKeyInputs): Promise<DeployKeyOutputs> {
  const line = authorizedKeyLine(inputs.publicKey);
  const keys = [inputs.privateKey, ...(inputs.previousPrivateKey ? [inputs.previousPrivateKey] : [])];
  let written = false;
  for (const key of keys) {
    const result = await sshWithKey(inputs, key, inputs.hostKey, AUTHORIZE_COMMAND, `${line}\n`);
    if (result.code === 0) {
      written = true;
      break;
    }
    // Only a refused key is worth the next key; a closed port, a timeout or a changed host key is
    // the same whichever key is offered, and rotation is no remedy for it.
    if (sshFailureKind(result) !== "key refused") throw new Error(sshFailureMessage(inputs, result, "writing the deploy key"));
  }
  if (!written) throw new Error(refusedKeysMessage(inputs, inputs.publicKey, keys.length > 1));
  const check = await sshWithKey(inputs, inputs.privateKey, inputs.hostKey, "true");
  if (check.code !== 0 && sshFailureKind(check) === "key refused") {
    throw new Error(`node ${inputs.host}:${inputs.port}: authorized_keys now holds ${fingerprintOf(line)}, yet the deploy private key does not get in; do sophia:lambda.sshPublicKey and the private key belong together?`);
  }
  if (check.code !== 0) throw new Error(sshFailureMessage(inputs, check, "checking the new deploy key"));
  return { ...inputs, fingerprint: fingerprintOf(line) };
}

export const deployKeyProvider: pulumi.dynamic.ResourceProvider<DeployKeyInputs, DeployKeyOutputs> = {
  async create(inputs) {
    return { id: `${inputs.host}:${inputs.port}/${inputs.user}`, outs: await authorize(inputs) };
  },
  async diff(_id, olds, news) {
    if (olds.host !== news.host || olds.port !== news.port || olds.user !== news.user) return { changes: true, replaces: ["host"], deleteBeforeReplace: true };
    const changed = (["hostKey", "publicKey", "privateKey", "previousPrivateKey"] as const).some((k) => olds[k] !== news[k]);
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id, _olds, news) {
    return { outs: await authorize(news) };
  },
  // Delete leaves the file: the node either goes with its instance or keeps accepting the last key.
};

export interface NodeDeployKeyArgs {
  readonly host: pulumi.Input<string>;
  readonly port?: pulumi.Input<number>;
  readonly user: pulumi.Input<string>;
  readonly hostKey: pulumi.Input<string>;
  readonly publicKey: pulumi.Input<string>;
  /** Must be a Pulumi secret. */
  readonly privateKey: pulumi.Input<string>;
  /** Must be a Pulumi secret; only during a rotation. */
  readonly previousPrivateKey?: pulumi.Input<string>;
}

/** The deploy key a node accepts (its authorized_keys), rotatable in place. */
export class NodeDeployKey extends pulumi.dynamic.Resource {
  declare readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: NodeDeployKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      deployKeyProvider,
      name,
      {
        port: 22,
        ...args,
        privateKey: pulumi.secret(args.privateKey),
        previousPrivateKey: args.previousPrivateKey === undefined ? undefined : pulumi.secret(args.previousPrivateKey),
        fingerprint: undefined,
      },
      { ...opts, additionalSecretOutputs: ["privateKey", "previousPrivateKey"] },
      "ssh",
      "DeployKey",
    );
  }
}
