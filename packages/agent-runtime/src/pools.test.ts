// The runtime pools' pure parts, and the component in mock mode on a manifest from real placement.
import { agentDemands, buildManifest, DEFAULT_AGENTS, LAMBDA_INSTANCE_TYPES, lambdaOffers, type Placement, placeAgents } from "@sophia/agent-categories";
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { cpuLimit } from "@sophia/mcp-servers";
import { agentKeyEnvName, agentRoutes, gpuRequest, POOL_PORT_SLOTS, poolContainerSpec, poolEnvironment, poolPort, poolTokenEnvs, RUNTIME_PORT } from "./pool-spec";
import { agentApiKeys, AgentRuntimePools } from "./pools";

let placement: Placement;
let manifest: ReturnType<typeof buildManifest>;
beforeAll(async () => {
  // One GPU node type: research lands in a GPU pool, the rest in the node's CPU pool.
  expect(LAMBDA_INSTANCE_TYPES.gpu_1x_a10.gpus).toBe(1);
  placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers(["gpu_1x_a10"], 2), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" });
  manifest = buildManifest("staging", DEFAULT_AGENTS, placement);
});

test("on a fleet, each pool has a port of its own on its node (pinned per category, GPU or not) and the route names its runtime", () => {
  const ports = placement.pools.map((p) => [p.node, poolPort(manifest, p)] as const);
  expect(new Set(ports.map(([node, port]) => `${node}:${port}`)).size).toBe(ports.length);
  const research = placement.pools.find((p) => p.gpu)!;
  expect(poolPort(manifest, research)).toBe(RUNTIME_PORT + 1 + 2 * POOL_PORT_SLOTS.research + 1);
  const routes = agentRoutes(manifest, (pool) => `http://10.210.8.1:${poolPort(manifest, placement.pools.find((p) => p.id === pool)!)}`);
  const infraPool = placement.pools.find((p) => p.id === manifest.agents.find((a) => a.name === "infra-operator")!.pool)!;
  expect(routes.infrastructure).toEqual([{ agent: "infra-operator", url: `http://10.210.8.1:${RUNTIME_PORT + 1 + 2 * POOL_PORT_SLOTS.infrastructure}`, keyEnv: agentKeyEnvName(infraPool.id), runtime: `agents-${infraPool.id}` }]);
});

test("a GPU pool requests its agents' GPUs through the NVIDIA runtime; a CPU pool requests none", () => {
  const gpuPool = placement.pools.find((p) => p.gpu)!;
  const cpuPool = placement.pools.find((p) => !p.gpu)!;
  expect(gpuRequest(manifest, gpuPool)).toEqual({ runtime: "nvidia", deviceRequests: [{ driver: "nvidia", count: 1, capabilities: ["gpu"] }] });
  expect(gpuRequest(manifest, cpuPool)).toBeUndefined();
});

test("routes send each category to its agents' pool; a pool gets one token per category it runs", () => {
  const routes = agentRoutes(manifest);
  const infraPool = manifest.agents.find((a) => a.name === "infra-operator")!.pool;
  expect(routes.infrastructure).toEqual([{ agent: "infra-operator", url: `http://agents-${infraPool}:${RUNTIME_PORT}`, keyEnv: agentKeyEnvName(infraPool) }]);
  expect(agentKeyEnvName("local-0-infrastructure-cpu")).toBe("SOPHIA_AGENT_KEY_LOCAL_0_INFRASTRUCTURE_CPU");
  expect(routes["code-assistance"]!.map((r) => r.agent)).toEqual(["code-helper", "code-reviewer"]);
  const envs = poolTokenEnvs(manifest, infraPool).map((t) => t.env);
  expect(envs).toContain("SOPHIA_MCP_TOKEN_INFRASTRUCTURE");
  expect(envs).not.toContain("SOPHIA_MCP_TOKEN_RESEARCH");
});

test("the pool environment carries the manifest, the ingress, the model and the enabled servers its agents use, and no secret", () => {
  const poolOf = (agent: string) => manifest.agents.find((a) => a.name === agent)!.pool;
  const env = poolEnvironment(manifest, poolOf("orchestrator"), "http://ingress:8081", ["sophia-ops", "memory", "gong"], { provider: "stub" });
  expect(JSON.parse(env.SOPHIA_MANIFEST!)).toEqual(manifest);
  expect(env).toMatchObject({ SOPHIA_MCP_URL: "http://ingress:8081", SOPHIA_MCP_SERVERS: "sophia-ops,memory", SOPHIA_MODEL_BASE_URL: "http://model-stub:8000/v1" });
  expect(Object.keys(env).some((k) => /TOKEN|KEY/.test(k))).toBe(false);
  // Gong reaches only the pool of the category that uses it.
  expect(poolEnvironment(manifest, poolOf("sales-analyst"), "http://ingress:8081", ["sophia-ops", "memory", "gong"], { provider: "stub" }).SOPHIA_MCP_SERVERS).toBe("memory,gong");
  expect(poolEnvironment(manifest, poolOf("sales-analyst"), "http://ingress:8081", ["sophia-ops", "memory"], { provider: "stub" }).SOPHIA_MCP_SERVERS).toBe("memory");
});

test("pool containers are hardened like the MCP servers and sized from placement", () => {
  const pool = placement.pools.find((p) => !p.gpu)!;
  const spec = poolContainerSpec("t", pool, { maxSizeMiB: 10, maxFiles: 2 }, {}, true);
  expect(spec).toMatchObject({ user: "65534:65534", readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"], restart: "unless-stopped" });
  expect(spec.memory).toBe(Math.ceil(pool.needs.memoryGiB * 1024) + 256);
  expect(spec.cpus).toBe(cpuLimit(pool.needs.cpu));
  expect(poolContainerSpec("t", pool, { maxSizeMiB: 10, maxFiles: 2 }, {}, false)).not.toHaveProperty("cpus");
});

describe("AgentRuntimePools in mock mode", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: {}, platform: "linux/amd64" });
      const ingress = new docker.Container("ingress", { image: "x" }, { provider: runtime.provider });
      new AgentRuntimePools("agents", {
        stack: "t",
        baseImage: "sophia/base:trixie",
        manifest,
        pools: placement.pools,
        nodes: Object.fromEntries(placement.nodes.map((n) => [n.id, runtime])),
        mcp: { urlFor: () => "http://ingress:8081", servers: ["sophia-ops", "memory"], tokens: pulumi.secret(pulumi.output(Object.fromEntries(["core-orchestration", "business-intelligence", "infrastructure", "code-assistance", "research", "monitoring"].map((c) => [c, `token-${c}`])))), ready: [ingress] },
        model: { provider: "openai-compatible", baseUrl: "https://models.example/v1", id: "m" },
        modelApiKey: pulumi.secret("model-key"),
        apiKeys: agentApiKeys("agents", manifest),
        cpuQuota: true,
        logs: { maxSizeMiB: 10, maxFiles: 2 },
      });
    });
    resources = evaluation.resources;
  });

  test("every pool waits for the MCP side to be healthy, and for its own health", () => {
    const pools = resources.filter((r) => r.type === "docker:index/container:Container" && r.name.startsWith("agents-"));
    expect(pools).toHaveLength(placement.pools.length);
    for (const pool of pools) {
      expect(pool.dependsOn).toContain("docker:index/container:Container::ingress");
      expect(pool.inputs).toMatchObject({ wait: true, healthcheck: { tests: expect.arrayContaining([`http://127.0.0.1:${RUNTIME_PORT}/health`]) } });
    }
  });

  test("tokens and the model key reach the pools only as secrets; a remote model gets the edge network", () => {
    const pool = resources.find((r) => r.name === `agents-${placement.pools[0]!.id}`)!;
    expect(pool.inputs.envs).toMatchObject({ [SECRET_SIG_KEY]: expect.any(String) });
    expect(JSON.stringify(pool.inputs.envs)).toContain("SOPHIA_MODEL_API_KEY=model-key");
    expect((pool.inputs.networksAdvanced as { name: string }[]).map((n) => n.name)).toEqual(["sophia-mcp", "sophia-edge"]);
    expect(resources.some((r) => r.name.includes("model-stub"))).toBe(false);
  });

  test("each pool holds its own AgentOS key and only its own category's MCP token, as secrets", () => {
    for (const pool of placement.pools) {
      const envs = JSON.stringify(resources.find((r) => r.name === `agents-${pool.id}`)!.inputs.envs);
      expect(envs).toContain(`SOPHIA_AGENT_API_KEY=mock-password-agents-api-key-${pool.id}`);
      expect(envs.match(/SOPHIA_AGENT_API_KEY=/g)).toHaveLength(1);
      const tokens = [...envs.matchAll(/SOPHIA_MCP_TOKEN_([A-Z_]+)=/g)].map((m) => m[1]);
      const category = manifest.agents.find((a) => a.pool === pool.id)!.category;
      expect(tokens).toEqual([category.toUpperCase().replace(/-/g, "_")]);
    }
  });

  test("a real model without its key fails with the config key", () => {
    expect(
      () =>
        new AgentRuntimePools("bad", {
          stack: "staging",
          baseImage: "b",
          manifest,
          pools: [],
          nodes: {},
          mcp: { urlFor: () => "", servers: [], tokens: pulumi.output<Record<string, string>>({}), ready: [] },
          model: { provider: "openai-compatible", baseUrl: "https://m/v1", id: "m" },
          apiKeys: {},
          cpuQuota: true,
          logs: { maxSizeMiB: 1, maxFiles: 1 },
        }),
    ).toThrow("stacks/Pulumi.staging.yaml: sophia:modelApiKey: the openai-compatible model needs its API key as a secret; got nothing");
  });
});
