// The local environment: everything on this machine's Docker engine.
import { DockerRuntime, dockerHostUrl } from "@sophia/docker-runtime";
import type { LocalConfig } from "@sophia/stack-config";
import { placeForStack } from "./placement";

export async function localEnvironment(values: LocalConfig): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  const runtime = new DockerRuntime("local", {
    host: dockerHostUrl({ kind: "local", socket: values["sophia:local"].dockerHost }),
    labels: { "sophia.stack": "local" },
  });
  return {
    dockerHost: runtime.host,
    placement: explanation,
    costPerHour: placement.costPerHour,
  };
}
