// The Pulumi edge: read the running stack's config once and hand secrets on as Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { loadStackConfig, type StackConfig } from "./load";

// isConfigSecret is marked internal in the SDK's typings but is what its own Config class uses to
// warn about secrets read as plaintext; it reads the engine's list of secret keys.
const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret(key: string): boolean };

export interface ProgramConfig {
  readonly stack: string;
  readonly config: StackConfig;
  /** Secret config values, wrapped so Pulumi encrypts and redacts them everywhere. */
  secret(key: string): pulumi.Output<string> | undefined;
}

export function readProgramConfig(): ProgramConfig {
  const stack = pulumi.getStack();
  try {
    const config = loadStackConfig(stack, pulumi.runtime.allConfig(), (key) => runtime.isConfigSecret(key));
    return {
      stack,
      config,
      secret: (key) => (key in config.secrets ? pulumi.secret(config.secrets[key]!) : undefined),
    };
  } catch (error) {
    // RunError: Pulumi prints the one line, without a stack trace, and registers nothing more.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}
