// TEST SCAFFOLDING: a dynamic provider as the engine runs it. Pulumi serializes a provider into the
// state with its closure serializer, and the dynamic-provider host loads it back from that text
// (require-from-string, then `handler()`); state that does not survive that (a module-level Map or
// Set) fails only there, so tests drive the reloaded copy.
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

// The host's own loader, resolved the way @pulumi/pulumi resolves it.
const requireFromString = createRequire(require.resolve("@pulumi/pulumi"))("require-from-string") as (code: string) => { handler: () => unknown };

/** The provider rebuilt from its serialized text, and that text. */
export async function asTheEngineRunsIt<T>(provider: T): Promise<{ provider: T; text: string }> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { provider: requireFromString(text).handler() as T, text };
}

/** The global object the reloaded provider runs in: the host process's own, not the test's sandbox.
 * Its `console` is where the provider's log lines go, and its `process.env` is what it reads. */
export const engineGlobal = (createRequire(require.resolve("@pulumi/pulumi"))("node:vm") as typeof import("node:vm")).runInThisContext("globalThis") as typeof globalThis;
