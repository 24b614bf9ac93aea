// The local environment: everything on this machine's Docker engine, the ingress on loopback, the
// agents on the deterministic stub model unless config names a real provider.
import * as pulumi from "@pulumi/pulumi";
import { DockerRuntime, dockerHostUrl } from "@sophia/docker-runtime";
import { platformNodeId } from "@sophia/agent-categories";
import { McpPlatform } from "@sophia/mcp-servers";
import { monitoringUis, monitoringUiUrl } from "@sophia/monitoring";
import type { LocalConfig } from "@sophia/stack-config";
import { agentManifest, agentPools, agentRouting } from "./agents";
import { enabledServers, gongServerEnv, mergeServerEnv, opsServerEnv, scopesFor } from "./mcp";
import { monitoringFor } from "./monitoring";
import { placeForStack } from "./placement";

export async function localEnvironment(values: LocalConfig, secret: (key: string) => pulumi.Output<string> | undefined): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  const manifest = agentManifest("local", placement);
  const routing = agentRouting("local-agents", manifest);
  const runtime = new DockerRuntime("local", {
    host: dockerHostUrl({ kind: "local", socket: values["sophia:local"].dockerHost }),
    labels: { "sophia.stack": "local" },
    platform: values["sophia:local"].platform,
  });
  const servers = enabledServers(values["sophia:mcpServers"], (key) => secret(key) !== undefined);
  const scopes = scopesFor(servers);
  const logs = { maxSizeMiB: values["sophia:retention"].logMaxSizeMiB, maxFiles: values["sophia:retention"].logMaxFiles };
  const baseImage = values["sophia:local"].baseImage;
  const mcp = new McpPlatform("local-mcp", {
    runtime,
    stack: "local",
    baseImage,
    servers,
    scopes,
    secret,
    ingress: { port: values["sophia:ingress"].port, publishIp: "127.0.0.1" },
    logs,
    serverEnv: mergeServerEnv(routing.serverEnv, gongServerEnv("local", servers, values["sophia:gong"]), { "sophia-ops": opsServerEnv(values["sophia:ops"]) }),
    serverSecretEnv: routing.serverSecretEnv,
    // No registry here: monitoring is built from Debian's packages, and Debian has no Grafana.
    monitoringUis: monitoringUis("debian"),
    opsEngine: opsEngineFor(values, secret),
  });
  const agents = agentPools("local-agents", {
    stack: "local",
    baseImage,
    manifest,
    placement,
    nodes: Object.fromEntries(placement.nodes.map((n) => [n.id, runtime])),
    mcp,
    mcpNode: platformNodeId(placement),
    servers,
    model: values["sophia:model"],
    modelApiKey: secret("sophia:modelApiKey"),
    apiKeys: routing.apiKeys,
    // This machine's engine refuses a CPU quota above its real core count; the local offer is a ceiling.
    cpuQuota: false,
    logs,
  });
  const monitoring = monitoringFor("local-monitoring", { runtime, stack: "local", images: "debian", baseImage, servers, mcp, placement, secret, logs });
  return {
    dockerHost: runtime.host,
    placement: explanation,
    costPerHour: placement.costPerHour,
    ingressUrl: mcp.ingressUrl,
    cursorMcpJson: mcp.cursorMcpJson,
    // Which client's token reaches which server: what a reviewer checks when a server or category changes.
    mcpScopes: Object.fromEntries(scopes.map((s) => [s.client, s.servers.join(", ")])),
    mcpTokens: mcp.tokens,
    agentPools: agents.containers,
    monitoring: monitoring.containers,
    monitoringUrls: Object.fromEntries(monitoringUis("debian").map((ui) => [ui.name, monitoringUiUrl(mcp.publicUrl, ui.name)])),
    monitoringToken: mcp.monitoringToken,
  };
}

/** sophia-ops's engine reads the local file backend's state where the deploy tool said it is
 * (sophia:opsState, in its working copy of the config only), with the backend's passphrase. */
function opsEngineFor(values: LocalConfig, secret: (key: string) => pulumi.Output<string> | undefined) {
  const state = values["sophia:opsState"];
  if (!state) return undefined;
  const passphrase = secret("sophia:opsStatePassphrase");
  if (!passphrase) throw new pulumi.RunError("stacks/Pulumi.local.yaml: sophia:opsStatePassphrase: sophia:opsState is set, so sophia-ops needs the state's passphrase as this secret (npm run deploy:local sets both); got nothing");
  return { stateDir: state.dir, passphrase, dockerSocketPath: values["sophia:local"].dockerHost.slice("unix://".length) };
}
