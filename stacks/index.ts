// The Pulumi program. Pulumi calls the exported function; it reads the stack's config once and hands
// it to the composition of that environment. Nothing is registered before the config is valid.
import { readProgramConfig } from "@sophia/stack-config";
import { lambdaEnvironment } from "./src/lambda";
import { localEnvironment } from "./src/local";

export = async function program(): Promise<Record<string, unknown>> {
  const { config, secret } = readProgramConfig();
  return config.environment === "local" ? localEnvironment(config.values, secret) : lambdaEnvironment(config.environment, config.values, secret);
};
