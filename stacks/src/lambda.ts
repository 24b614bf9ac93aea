// Staging and production: Lambda Cloud GPU nodes, as many and as large as placement decides, each
// launched with a fallback list, bootstrapped over SSH and carrying its own Docker runtime. The MCP
// platform (servers + TLS ingress) runs on the first node; agent pools run where placement put them.
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_INSTANCE_TYPES, type LambdaInstanceType, platformNodeId } from "@sophia/agent-categories";
import { dataDirectories, dockerPlatform } from "@sophia/docker-runtime";
import { DEFAULT_GPU_CHECK_IMAGE, LambdaFilesystem, LambdaNodePool, launchCandidates } from "@sophia/lambda-node";
import { INGRESS_INTERNAL_PORT, mcpDataVolumes, McpPlatform } from "@sophia/mcp-servers";
import { poolCategories, poolPort } from "@sophia/agent-runtime";
import { MONITORING_PORTS, monitoringDataVolumes, monitoringUis, monitoringUiUrl, NodeExporters, skippedGpuExporters } from "@sophia/monitoring";
import { PrivateNetwork } from "@sophia/private-network";
import type { LambdaConfig } from "@sophia/stack-config";
import { agentManifest, agentPools, agentRouting } from "./agents";
import { enabledServers, gongServerEnv, mergeServerEnv, opsServerEnv, scopesFor } from "./mcp";
import { monitoringFor } from "./monitoring";
import { placeForStack } from "./placement";

export async function lambdaEnvironment(
  environment: "staging" | "production",
  values: LambdaConfig,
  secret: (key: string) => pulumi.Output<string> | undefined,
): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  const pool = values["sophia:nodePool"];
  const lambda = values["sophia:lambda"];
  const network = values["sophia:privateNetwork"];
  // The schema only admits names from LAMBDA_INSTANCE_TYPE_NAMES.
  const configuredTypes = pool.instanceTypes.map((name) => LAMBDA_INSTANCE_TYPES[name as LambdaInstanceType]);
  const mcpNode = platformNodeId(placement);
  const ingress = values["sophia:ingress"];
  const servers = enabledServers(values["sophia:mcpServers"], (key) => secret(key) !== undefined);
  // A rehearsal's nodes reach no registry: monitoring is built there from Debian's packages, as on
  // the local stack (no Grafana, no GPU exporter), instead of each project's image by digest.
  const monitoringImages = values["sophia:rehearsal"] ? "debian" : "upstream";
  // Both are required secrets for this environment; readProgramConfig has checked they exist.
  const api = { apiUrl: lambda.apiUrl, apiKey: secret("sophia:lambdaApiKey")!, apiKeyConfigKey: "sophia:lambdaApiKey" };
  // The platform node's state on a Lambda persistent filesystem: it outlives the node, which may
  // then launch only in the filesystem's region.
  const dataConfig = values["sophia:dataFilesystem"];
  const data = dataConfig && {
    config: dataConfig,
    layout: { name: dataConfig.name, stack: environment },
    filesystem: new LambdaFilesystem(`sophia-${environment}-data`, { ...api, name: dataConfig.name, region: dataConfig.region }, { protect: values["sophia:protect"] }),
  };
  const explained = data ? [...explanation, platformRegionLine(mcpNode, data.config)] : explanation;
  const nodes = new LambdaNodePool(`sophia-${environment}`, {
    ...api,
    ssh: { user: lambda.sshUser, publicKey: lambda.sshPublicKey, privateKey: secret("sophia:sshPrivateKey")!, previousPrivateKey: secret("sophia:sshPreviousPrivateKey") },
    inbound: { sshCidrs: lambda.sshAllowedCidrs, ingressPort: values["sophia:ingress"].port, ingressCidrs: values["sophia:ingress"].allowedCidrs },
    privateNetwork: { port: network.port },
    logging: { logMaxSizeMiB: values["sophia:retention"].logMaxSizeMiB, logMaxFiles: values["sophia:retention"].logMaxFiles },
    gpuCheckImage: DEFAULT_GPU_CHECK_IMAGE,
    nodes: placement.nodes.map((node) => {
      const chosen = LAMBDA_INSTANCE_TYPES[node.offer as LambdaInstanceType];
      const holdsData = data !== undefined && node.id === mcpNode;
      return {
        id: node.id,
        gpus: chosen.gpus,
        platform: dockerPlatform(chosen.architecture),
        candidates: launchCandidates(chosen, configuredTypes, holdsData ? [data.config.region] : pool.regions),
        ...(holdsData
          ? {
              dataFilesystem: {
                filesystem: data.filesystem,
                directories: dataDirectories(data.layout, [...mcpDataVolumes(environment, servers, ingress.tls), ...monitoringDataVolumes(environment, monitoringImages)]),
              },
            }
          : {}),
      };
    }),
    labels: { "sophia.stack": environment },
    protect: values["sophia:protect"],
  });
  // Every cross-node path (pools → the ingress's internal site, sophia-ops → pools, Prometheus →
  // exporters) goes over it; nothing of ours but the ingress and SSH is on a public address.
  const privateNetwork = new PrivateNetwork(`${environment}-private-network`, {
    cidr: network.cidr,
    port: network.port,
    hub: mcpNode,
    nodes: Object.entries(nodes.nodes).map(([id, node]) => ({
      id,
      publicIp: node.instance.ip,
      connection: { user: lambda.sshUser, privateKey: secret("sophia:sshPrivateKey")! },
      after: [node.bootstrap],
    })),
  });
  const manifest = agentManifest(environment, placement);
  // sophia-ops reaches every pool, wherever placement put it, at its node's private address.
  const routing = agentRouting(`${environment}-agents`, manifest, (poolId) => {
    const pool = placement.pools.find((p) => p.id === poolId)!;
    return `http://${privateNetwork.addresses[pool.node]}:${poolPort(manifest, pool)}`;
  });
  const scopes = scopesFor(servers);
  const logs = { maxSizeMiB: values["sophia:retention"].logMaxSizeMiB, maxFiles: values["sophia:retention"].logMaxFiles };
  const baseImage = values["sophia:images"].base;
  if (monitoringImages === "debian") pulumi.log.warn("rehearsal: monitoring built from Debian's packages on the node (no registry here), not the pinned upstream images staging uses; no Grafana, no GPU exporter");
  const mcp = new McpPlatform(`${environment}-mcp`, {
    runtime: nodes.nodes[mcpNode]!.runtime,
    stack: environment,
    baseImage,
    servers,
    scopes,
    secret,
    // Published on every address of the node; the node firewall admits only ingress.allowedCidrs.
    ingress: {
      port: ingress.port,
      publishIp: "0.0.0.0",
      tlsHost: ingress.tls ? ingress.host : undefined,
      tlsIssuer: ingress.tlsIssuer,
      privateSite: { ip: privateNetwork.addresses[mcpNode]!, after: privateNetwork.ready[mcpNode]! },
    },
    fleetServers: ["sophia-ops"],
    logs,
    serverEnv: mergeServerEnv(routing.serverEnv, gongServerEnv(environment, servers, values["sophia:gong"]), { "sophia-ops": opsServerEnv(values["sophia:ops"]) }),
    serverSecretEnv: routing.serverSecretEnv,
    protect: values["sophia:protect"],
    dataFilesystem: data?.layout,
    monitoringUis: monitoringUis(monitoringImages),
  });
  // A rehearsal's nodes have no NVIDIA GPU: its GPU pools are skipped, visibly.
  const runnable = values["sophia:rehearsal"] ? placement.pools.filter((p) => !p.gpu) : placement.pools;
  for (const pool of placement.pools.filter((p) => !runnable.includes(p))) {
    pulumi.log.warn(`rehearsal: pool ${pool.id} needs an NVIDIA GPU, which a rehearsal node does not have; skipped (its agents: ${manifest.agents.filter((a) => a.pool === pool.id).map((a) => a.name).join(", ")})`);
  }
  const agents = agentPools(`${environment}-agents`, {
    stack: environment,
    baseImage,
    manifest,
    placement: { ...placement, pools: runnable },
    nodes: Object.fromEntries(Object.entries(nodes.nodes).map(([id, node]) => [id, node.runtime])),
    mcp,
    mcpNode,
    servers,
    model: values["sophia:model"],
    modelApiKey: secret("sophia:modelApiKey"),
    apiKeys: routing.apiKeys,
    // A rehearsal node has this machine's cores, not the instance type's; Docker refuses a larger quota.
    cpuQuota: !values["sophia:rehearsal"],
    logs,
    privateNetwork,
  });
  const platformType = LAMBDA_INSTANCE_TYPES[placement.nodes.find((n) => n.id === mcpNode)!.offer as LambdaInstanceType];
  // dcgm-exporter's pinned digest is its amd64 image.
  const gpus = platformType.architecture === "x86_64" ? platformType.gpus : 0;
  if (platformType.gpus > 0 && gpus === 0 && monitoringImages === "upstream") pulumi.log.warn(`monitoring: no GPU exporter on ${mcpNode} (${platformType.name}, arm64): the pinned dcgm-exporter image is amd64`);
  // Every other node's exporters, on its private address, for the platform node's Prometheus.
  const remoteNodes = placement.nodes
    .filter((n) => n.id !== mcpNode)
    .map((n) => {
      const type = LAMBDA_INSTANCE_TYPES[n.offer as LambdaInstanceType];
      return { node: n.id, address: privateNetwork.addresses[n.id]!, gpus: type.architecture === "x86_64" ? type.gpus : 0 };
    });
  for (const remote of remoteNodes) {
    new NodeExporters(`${environment}-exporters-${remote.node}`, {
      runtime: nodes.nodes[remote.node]!.runtime,
      stack: environment,
      images: monitoringImages,
      baseImage,
      privateAddress: remote.address,
      gpus: remote.gpus,
      logs,
      after: [privateNetwork.ready[remote.node]!],
    });
  }
  const fleet = {
    localNode: mcpNode,
    remoteNodes,
    pools: runnable.map((p) => ({ pool: p.id, node: p.node, url: `${routing.poolUrl(p.id)}/health` })),
  };
  for (const line of skippedGpuExporters({ images: monitoringImages, fleet })) pulumi.log.warn(line);
  const monitoring = monitoringFor(`${environment}-monitoring`, {
    runtime: nodes.nodes[mcpNode]!.runtime,
    stack: environment,
    images: monitoringImages,
    baseImage,
    servers,
    mcp,
    placement,
    gpus,
    secret,
    logs,
    protect: values["sophia:protect"],
    dataFilesystem: data && { ...data.layout, snapshotIntervalSeconds: data.config.prometheusSnapshotSeconds ?? DEFAULT_PROMETHEUS_SNAPSHOT_SECONDS },
    fleet,
  });
  return {
    environment,
    // Where the platform node's state lives: its filesystem, by name and Lambda id.
    dataFilesystem: data ? pulumi.output({ name: data.config.name, region: data.config.region, id: data.filesystem.filesystemId }) : undefined,
    placement: explained,
    costPerHour: placement.costPerHour,
    nodeAddresses: pulumi.output(Object.fromEntries(Object.entries(nodes.nodes).map(([id, node]) => [id, node.instance.ip]))),
    // The private network: each node's address, and the WireGuard public key read back from it.
    privateAddresses: privateNetwork.addresses,
    privateNetworkKeys: privateNetwork.publicKeys,
    // Where sophia-ops reaches each pool (what the checklist calls route_task through, node by node).
    agentPoolUrls: Object.fromEntries(
      runnable.map((p) => [p.id, { node: p.node, url: routing.poolUrl(p.id), category: poolCategories(manifest, p.id)[0]!, agents: [...p.agents] }]),
    ),
    // Everything published on a private address, and nowhere else: what the checklist probes from outside.
    privatePorts: [...new Set([INGRESS_INTERNAL_PORT, ...runnable.map((p) => poolPort(manifest, p)), MONITORING_PORTS.nodeExporter, MONITORING_PORTS.containerExporter])].sort((a, b) => a - b),
    // Public keys, pinned at each node's first verified contact: how tools reach a node over ssh.
    nodeHostKeys: pulumi.output(Object.fromEntries(Object.entries(nodes.nodes).map(([id, node]) => [id, node.hostKey.hostKey]))),
    sshUser: lambda.sshUser,
    mcpNode,
    ingressUrl: mcp.ingressUrl,
    cursorMcpJson: mcp.cursorMcpJson,
    // Which client's token reaches which server: what a reviewer checks when a server or category changes.
    mcpScopes: Object.fromEntries(scopes.map((s) => [s.client, s.servers.join(", ")])),
    mcpTokens: mcp.tokens,
    agentPools: agents.containers,
    monitoring: monitoring.containers,
    monitoringUrls: Object.fromEntries(monitoringUis(monitoringImages).map((ui) => [ui.name, monitoringUiUrl(mcp.publicUrl, ui.name)])),
    monitoringToken: mcp.monitoringToken,
    grafanaAdminPassword: monitoring.grafanaAdminPassword,
  };
}

/** How often Prometheus's history is copied to the data filesystem when the stack does not say:
 * what a node lost with it costs at most. */
const DEFAULT_PROMETHEUS_SNAPSHOT_SECONDS = 300;

/** The plan's line for the node that holds the stack's state. */
function platformRegionLine(node: string, filesystem: { readonly name: string; readonly region: string }): string {
  return `${node} holds the platform's state on the persistent filesystem ${filesystem.name}: it launches only in ${filesystem.region}, the filesystem's region, and its fallback candidates are filtered to it`;
}
