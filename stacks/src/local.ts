// The local environment: everything on this machine's Docker engine, the ingress on loopback.
import type * as pulumi from "@pulumi/pulumi";
import { DockerRuntime, dockerHostUrl } from "@sophia/docker-runtime";
import { McpPlatform } from "@sophia/mcp-servers";
import type { LocalConfig } from "@sophia/stack-config";
import { enabledServers, scopesFor } from "./mcp";
import { placeForStack } from "./placement";

export async function localEnvironment(values: LocalConfig, secret: (key: string) => pulumi.Output<string> | undefined): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  const runtime = new DockerRuntime("local", {
    host: dockerHostUrl({ kind: "local", socket: values["sophia:local"].dockerHost }),
    labels: { "sophia.stack": "local" },
  });
  const servers = enabledServers(values["sophia:mcpServers"]);
  const limits = values["sophia:limits"];
  const mcp = new McpPlatform("local-mcp", {
    runtime,
    stack: "local",
    baseImage: values["sophia:local"].baseImage,
    servers,
    scopes: scopesFor(servers),
    secret,
    ingress: { port: values["sophia:ingress"].port, publishIp: "127.0.0.1", memoryMiB: limits.ingressMemoryMiB },
    limits: { memoryMiB: limits.mcpServerMemoryMiB, cpus: limits.mcpServerCpus },
    logs: { maxSizeMiB: values["sophia:retention"].logMaxSizeMiB, maxFiles: values["sophia:retention"].logMaxFiles },
  });
  return {
    dockerHost: runtime.host,
    placement: explanation,
    costPerHour: placement.costPerHour,
    ingressUrl: mcp.ingressUrl,
    cursorMcpJson: mcp.cursorMcpJson,
    mcpTokens: mcp.tokens,
  };
}
