// The agent runtime pools that placement decides: one AgentOS container per pool, on its node's
// Docker runtime, built from this repo's runtime image. Pools come up only after the MCP servers
// and the ingress are healthy (dependsOn), the phase order of the deployment strategy.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AgentManifest, RuntimePool } from "@sophia/agent-categories";
import { buildLocalImage, type DockerRuntime } from "@sophia/docker-runtime";
import { HARDENING, healthcheckFor, type LogRetention, type McpServerName, memoryLimit } from "@sophia/mcp-servers";
import {
  AGENT_API_KEY_ENV,
  gpuRequest,
  type ModelChoice,
  poolContainerSpec,
  poolEnvironment,
  poolPort,
  poolTokenEnvs,
  RUNTIME_CONTEXT,
  RUNTIME_PORT,
  runtimeHost,
  STUB_MODEL_CONTEXT,
  STUB_MODEL_HOST,
  STUB_MODEL_PORT,
} from "./pool-spec";

export interface AgentRuntimePoolsArgs {
  readonly stack: string;
  readonly baseImage: string;
  readonly manifest: AgentManifest;
  /** The pools of the placement (their needs size the containers). */
  readonly pools: readonly RuntimePool[];
  /** The Docker runtime of each node that has pools, by node id. */
  readonly nodes: Readonly<Record<string, DockerRuntime>>;
  readonly mcp: {
    /** Where a pool on this node reaches the ingress. */
    readonly urlFor: (node: string) => string;
    readonly servers: readonly McpServerName[];
    /** Token per client id (secret); a pool gets its categories' tokens. */
    readonly tokens: pulumi.Output<Record<string, string>>;
    /** Must be healthy before any pool starts. */
    readonly ready: pulumi.Resource[];
  };
  readonly model: ModelChoice;
  /** The model provider's key (secret); for the stub, one is made here. */
  readonly modelApiKey?: pulumi.Output<string>;
  /** Each pool's AgentOS API key, by pool id (secret): AgentOS refuses runs without it. Made by
   * `agentApiKeys` before the MCP platform, whose ops server presents them. */
  readonly apiKeys: Readonly<Record<string, pulumi.Output<string>>>;
  readonly cpuQuota: boolean;
  readonly logs: LogRetention;
  /** On a fleet: each pool publishes its AgentOS port (poolPort) on its node's private address, and
   * only there, once that node's private network is up; and it joins the node's fleet network, its
   * way to the other nodes (the ingress's internal site on the platform node). */
  readonly privateNetwork?: {
    readonly addresses: Readonly<Record<string, string>>;
    readonly ready: Readonly<Record<string, pulumi.Resource>>;
  };
}

/** One AgentOS API key per pool (secret), made before the MCP platform: its ops server presents them
 * to run agents, and each pool checks its own. */
export function agentApiKeys(name: string, manifest: AgentManifest): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(manifest.pools.map((p) => [p.id, new random.RandomPassword(`${name}-api-key-${p.id}`, { length: 40, special: false }).result]));
}

export class AgentRuntimePools extends pulumi.ComponentResource {
  /** Container name per pool id. */
  readonly containers: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: AgentRuntimePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:agents:RuntimePools", name, {}, opts);
    if (args.model.provider !== "stub" && !args.modelApiKey) {
      throw new pulumi.RunError(`stacks/Pulumi.${args.stack}.yaml: sophia:modelApiKey: the ${args.model.provider} model needs its API key as a secret; got nothing`);
    }
    const images = new Map<string, pulumi.Output<string>>();
    const imageOn = (node: string, runtime: DockerRuntime) => {
      if (!images.has(node)) {
        const image = buildLocalImage(`${name}-${node}-image`, runtime, { imageName: `sophia/agents-runtime:${args.stack}`, contextDir: RUNTIME_CONTEXT, baseImage: args.baseImage }, this);
        images.set(node, image.ref);
      }
      return images.get(node)!;
    };

    const ready = [...args.mcp.ready];
    let modelKey = args.modelApiKey;
    if (args.model.provider === "stub") {
      // The stub wants a key like any provider; nothing else on the network has it.
      modelKey = new random.RandomPassword(`${name}-model-stub-key`, { length: 40, special: false }, { parent: this }).result;
      ready.push(this.stubModel(name, args, modelKey));
    }

    const containers: Record<string, pulumi.Output<string>> = {};
    for (const pool of args.pools) {
      const runtime = args.nodes[pool.node];
      if (!runtime) throw new Error(`pool ${pool.id}: no Docker runtime for node ${pool.node}`);
      const spec = poolContainerSpec(args.stack, pool, args.logs, runtime.labels, args.cpuQuota);
      const plainEnv = Object.entries(poolEnvironment(args.manifest, pool.id, args.mcp.urlFor(pool.node), args.mcp.servers, args.model)).map(([k, v]) => `${k}=${v}`);
      const tokenEnvs = poolTokenEnvs(args.manifest, pool.id).map(({ category, env }) =>
        pulumi.secret(args.mcp.tokens.apply((tokens) => {
          const token = tokens[category];
          if (token === undefined) throw new Error(`pool ${pool.id}: no MCP token for category ${category}`);
          return `${env}=${token}`;
        })),
      );
      const apiKey = args.apiKeys[pool.id];
      if (!apiKey) throw new Error(`pool ${pool.id}: no AgentOS API key; make them with agentApiKeys`);
      const gpu = gpuRequest(args.manifest, pool);
      const fleet = args.privateNetwork && {
        address: args.privateNetwork.addresses[pool.node],
        ready: args.privateNetwork.ready[pool.node],
        network: runtime.networks.fleet,
      };
      if (fleet && (!fleet.address || !fleet.ready || !fleet.network)) throw new Error(`pool ${pool.id}: node ${pool.node} has no private address, network step or fleet network`);
      const container = new docker.Container(
        `${name}-${pool.id}`,
        {
          ...spec,
          image: imageOn(pool.node, runtime),
          envs: [
            ...plainEnv,
            ...tokenEnvs,
            pulumi.secret(pulumi.interpolate`SOPHIA_MODEL_API_KEY=${modelKey!}`),
            pulumi.secret(pulumi.interpolate`${AGENT_API_KEY_ENV}=${apiKey}`),
          ],
          ...(gpu ?? {}),
          // The internal network reaches the ingress and the ops server reaches the pool; the edge
          // network is the way out to a remote model provider.
          networksAdvanced: [
            { name: runtime.networks.mcp.name, aliases: [runtimeHost(pool.id)] },
            ...(args.model.provider === "stub" ? [] : [{ name: runtime.networks.edge.name }]),
            ...(fleet ? [{ name: fleet.network!.name }] : []),
          ],
          ...(fleet ? { ports: [{ internal: RUNTIME_PORT, external: poolPort(args.manifest, pool), ip: fleet.address!, protocol: "tcp" }] } : {}),
          wait: true,
          waitTimeout: 120,
        },
        { parent: this, provider: runtime.provider, dependsOn: [...ready, ...(fleet ? [fleet.ready!] : [])] },
      );
      containers[pool.id] = container.name;
    }
    this.containers = pulumi.output(containers);
    this.registerOutputs({ containers: this.containers });
  }

  /** TEST SCAFFOLDING on the local stack: the deterministic OpenAI-compatible stub model. */
  private stubModel(name: string, args: AgentRuntimePoolsArgs, apiKey: pulumi.Output<string>): docker.Container {
    const node = args.pools[0]?.node;
    const runtime = node ? args.nodes[node] : undefined;
    if (!runtime) throw new Error("the stub model needs a node with a Docker runtime");
    const image = buildLocalImage(`${name}-model-stub-image`, runtime, { imageName: `sophia/model-stub:${args.stack}`, contextDir: STUB_MODEL_CONTEXT, baseImage: args.baseImage }, this);
    return new docker.Container(
      `${name}-model-stub`,
      {
        name: `sophia-${args.stack}-model-stub`,
        hostname: STUB_MODEL_HOST,
        image: image.ref,
        ...HARDENING,
        capabilities: { drops: [...HARDENING.capabilities.drops] },
        securityOpts: [...HARDENING.securityOpts],
        envs: [pulumi.secret(pulumi.interpolate`SOPHIA_MODEL_API_KEY=${apiKey}`)],
        ...memoryLimit(64),
        healthcheck: healthcheckFor(STUB_MODEL_PORT, "/health"),
        logDriver: "json-file",
        logOpts: { "max-size": `${args.logs.maxSizeMiB}m`, "max-file": String(args.logs.maxFiles) },
        labels: Object.entries({ ...runtime.labels, "sophia.component": "test-scaffolding" }).map(([label, value]) => ({ label, value })),
        networksAdvanced: [{ name: runtime.networks.mcp.name, aliases: [STUB_MODEL_HOST] }],
        wait: true,
        waitTimeout: 60,
      },
      { parent: this, provider: runtime.provider },
    );
  }
}
