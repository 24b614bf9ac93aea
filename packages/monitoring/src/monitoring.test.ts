// The monitoring stack's containers (pure specs) and its component in mock mode: the hardening every
// container keeps, the written exceptions (node-exporter's read-only host mounts, Telegraf's Docker
// socket, dcgm-exporter's GPUs), tokens only as secrets and files, nothing published, everything on
// the monitoring network; Debian-built images locally, upstream ones pinned by digest elsewhere.
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import { parse } from "yaml";
import { isPrivateAddress } from "@sophia/private-network";
import { CONTAINER_EXPORTER_HOST_MOUNTS, type FleetTargets, monitoringContainerSpecs, monitoringDataVolumes, monitoringFiles, type MonitoringSpecArgs, NODE_EXPORTER_HOST_MOUNTS, PROMETHEUS_SNAPSHOT_DIR, skippedGpuExporters, TOKEN_FILES, UPSTREAM_IMAGES, writeThenExec } from "./containers";
import { Monitoring } from "./monitoring";

const args: MonitoringSpecArgs = {
  stack: "t",
  images: "debian",
  servers: ["memory", "sophia-ops"],
  publicUrl: "https://mcp.example.com:443",
  ingressInternalUrl: "http://ingress:8081",
  ingressMetrics: "ingress-mcp:9180",
  scrapeIntervalSeconds: 15,
  retentionDays: 30,
  nodeCosts: [{ node: "local-0", offer: "local", pricePerHour: 0 }],
  logs: { maxSizeMiB: 10, maxFiles: 2 },
  labels: { "sophia.stack": "t" },
};

const upstream: MonitoringSpecArgs = { ...args, images: "upstream", gpus: 1 };

/** The platform node, a remote GPU node and a remote CPU node, with a pool on each remote node. */
const fleet: FleetTargets = {
  localNode: "gpu-1x-a10-0",
  remoteNodes: [
    { node: "gpu-1x-h100-pcie-0", address: "10.210.8.2", gpus: 1 },
    { node: "cpu-4x-0", address: "10.210.8.3", gpus: 0 },
  ],
  pools: [
    { pool: "gpu-1x-h100-pcie-0-coding", node: "gpu-1x-h100-pcie-0", url: "http://10.210.8.2:7780/health" },
    { pool: "cpu-4x-0-research", node: "cpu-4x-0", url: "http://10.210.8.3:7780/health" },
  ],
};

type ScrapeConfig = { job_name: string; params?: unknown; static_configs: { targets: string[]; labels?: Record<string, string> }[] };
const scrapeJobs = (a: MonitoringSpecArgs) => (parse(monitoringFiles(a).prometheus) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
const staticConfigs = (a: MonitoringSpecArgs, job: string) => scrapeJobs(a).find((j) => j.job_name === job)?.static_configs;

test("every monitoring container runs read-only, with all capabilities dropped, no-new-privileges, a restart policy, limits and a health check; non-root but for the written exceptions", () => {
  const specs = monitoringContainerSpecs(args);
  expect(specs.map((s) => s.name)).toEqual(["sophia-t-prometheus", "sophia-t-alertmanager", "sophia-t-blackbox", "sophia-t-node-exporter", "sophia-t-container-exporter", "sophia-t-alert-log"]);
  for (const s of [...specs, ...monitoringContainerSpecs(upstream)]) {
    expect(s).toMatchObject({ readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"], restart: "unless-stopped", networkMode: "bridge" });
    expect(s.user).toBe({ containerExporter: "0:0", gpuExporter: "0:0", grafana: "472:0" }[s.role as string] ?? "65534:65534");
    expect(s.capabilities.adds).toEqual(s.role === "gpuExporter" ? ["SYS_ADMIN"] : undefined);
    expect(s.memory).toBeGreaterThan(0);
    expect(s.memorySwap).toBe(s.memory);
    expect(s.healthcheck.tests[0]).toBe("CMD");
  }
});

test("host mounts are the written exceptions only: node-exporter's /proc and /sys, Telegraf's Docker socket, all read-only", () => {
  const specs = monitoringContainerSpecs(upstream);
  for (const s of specs.filter((x) => x.role !== "nodeExporter" && x.role !== "containerExporter")) expect(s.hostMounts).toEqual([]);
  expect(specs.find((s) => s.role === "nodeExporter")!.hostMounts).toEqual(NODE_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })));
  expect(specs.find((s) => s.role === "containerExporter")!.hostMounts).toEqual(CONTAINER_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })));
  expect(specs.flatMap((s) => s.hostMounts).every((m) => m.readOnly)).toBe(true);
  expect(JSON.stringify(specs.filter((s) => s.role !== "containerExporter"))).not.toContain("docker.sock");
});

test("upstream: every program from its own image pinned by digest, Grafana provisioned from generated files, dcgm-exporter on the node's GPUs; Debian: one built image and no Grafana", () => {
  const specs = monitoringContainerSpecs(upstream);
  expect(specs.map((s) => s.role)).toEqual(["prometheus", "alertmanager", "blackbox", "nodeExporter", "containerExporter", "alertLog", "grafana", "gpuExporter"]);
  for (const s of specs.filter((x) => x.role !== "alertLog")) {
    expect(s.image).toEqual({ upstream: UPSTREAM_IMAGES[s.role as keyof typeof UPSTREAM_IMAGES] });
    expect((s.image as { upstream: string }).upstream).toMatch(/@sha256:[0-9a-f]{64}$/);
  }
  expect(specs.find((s) => s.role === "alertLog")!.image).toEqual({ build: "alert-log" });
  const grafana = specs.find((s) => s.role === "grafana")!;
  expect(grafana.envs).toEqual(expect.arrayContaining(["GF_AUTH_PROXY_ENABLED=true", "GF_USERS_AUTO_ASSIGN_ORG_ROLE=Viewer", "GF_SERVER_ROOT_URL=https://mcp.example.com:443/monitoring/grafana/", `GF_SECURITY_ADMIN_PASSWORD__FILE=${TOKEN_FILES.grafanaAdmin}`]));
  expect(grafana.envs.find((e) => e.startsWith("SOPHIA_GRAFANA_DATASOURCES="))).toContain("url: http://prometheus:9090");
  expect(grafana.secretEnvs).toEqual([{ env: "SOPHIA_GRAFANA_ADMIN_PASSWORD", secret: "grafanaAdmin" }]);
  expect(specs.find((s) => s.role === "gpuExporter")!.gpu).toEqual({ runtime: "nvidia", deviceRequests: [{ driver: "nvidia", count: -1, capabilities: ["gpu"] }] });
  expect(parse(monitoringFiles(upstream).prometheus).scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(expect.arrayContaining(["containers", "grafana", "gpu"]));
  const debian = monitoringContainerSpecs(args);
  expect(new Set(debian.filter((s) => s.role !== "alertLog").map((s) => JSON.stringify(s.image)))).toEqual(new Set([JSON.stringify({ build: "monitoring" })]));
  expect(debian.map((s) => s.role)).not.toContain("grafana");
  expect(monitoringContainerSpecs({ ...upstream, gpus: 0 }).map((s) => s.role)).not.toContain("gpuExporter");
});

test("tokens never appear in a configuration file: Prometheus and blackbox read them from the files the shell writes", () => {
  const files = monitoringFiles(args);
  const prometheus = parse(files.prometheus) as { scrape_configs: { job_name: string; authorization?: { credentials_file: string }; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[] };
  expect(prometheus.scrape_configs.find((j) => j.job_name === "ingress")!.authorization).toEqual({ type: "Bearer", credentials_file: TOKEN_FILES.ingressMetrics });
  expect(prometheus.scrape_configs.find((j) => j.job_name === "mcp-probe")!.static_configs).toEqual([
    { targets: ["http://ingress:8081/memory/mcp"], labels: { server: "memory" } },
    { targets: ["http://ingress:8081/sophia-ops/mcp"], labels: { server: "sophia-ops" } },
  ]);
  expect(files.blackbox).toContain(TOKEN_FILES.probe);
  const specs = monitoringContainerSpecs(args);
  expect(specs.find((s) => s.role === "blackbox")!.secretEnvs).toEqual([{ env: "SOPHIA_PROBE_TOKEN", secret: "probe" }]);
  expect(specs.find((s) => s.role === "prometheus")!.secretEnvs).toEqual([{ env: "SOPHIA_INGRESS_METRICS_TOKEN", secret: "ingressMetrics" }]);
});

test("by default pages and tickets go to the alert log on the same network; configured webhooks replace it, their URLs read from secret files", () => {
  const routes = (yml: string) => (parse(yml) as { receivers: { name: string; webhook_configs: { url?: string; url_file?: string }[] }[] }).receivers.map((r) => [r.name, r.webhook_configs[0]!.url ?? r.webhook_configs[0]!.url_file]);
  expect(routes(monitoringFiles(args).alertmanager)).toEqual([
    ["page", "http://alert-log:9095/page"],
    ["ticket", "http://alert-log:9095/ticket"],
  ]);
  expect(routes(monitoringFiles({ ...args, receivers: "webhooks" }).alertmanager)).toEqual([
    ["page", TOKEN_FILES.pageWebhook],
    ["ticket", TOKEN_FILES.ticketWebhook],
  ]);
  const alertmanager = monitoringContainerSpecs({ ...args, receivers: "webhooks" }).find((s) => s.role === "alertmanager")!;
  expect(alertmanager.secretEnvs).toEqual([
    { env: "SOPHIA_PAGE_WEBHOOK_URL", secret: "pageWebhook" },
    { env: "SOPHIA_TICKET_WEBHOOK_URL", secret: "ticketWebhook" },
  ]);
});

test("the start command writes each variable to its file, readable by its owner only, and then runs the program", () => {
  const [sh, flag, script] = writeThenExec([{ env: "A_YML", path: "/tmp/etc/a.yml" }], ["prog", "--config.file=/tmp/etc/a.yml", "--x=it's"]);
  expect([sh, flag]).toEqual(["sh", "-c"]);
  const dir = spawnSync("mktemp", ["-d"], { encoding: "utf8" }).stdout.trim();
  const real = script!.replaceAll("/tmp/etc", dir).replace(/exec prog .*$/, `stat -c %a ${dir}/a.yml && cat ${dir}/a.yml`);
  const run = spawnSync("sh", ["-c", real], { env: { ...process.env, A_YML: "line 1\n'quoted' $NOT_EXPANDED\n" }, encoding: "utf8" });
  expect(run.stdout).toBe("600\nline 1\n'quoted' $NOT_EXPANDED\n");
  expect(script).toContain(`'--x=it'\\''s'`);
});

test("a stack with no MCP server to probe is refused by name", () => {
  expect(() => monitoringContainerSpecs({ ...args, servers: [] })).toThrow("servers: expected at least one MCP server");
});

describe("a fleet's targets", () => {
  test("the exporter jobs list this node's exporters on the monitoring network and every other node's at its private address, each labelled with its node", () => {
    const withFleet = { ...upstream, fleet };
    for (const [job, host, port] of [["node", "node-exporter", 9100], ["containers", "container-exporter", 9273]] as const) {
      expect(staticConfigs(withFleet, job)).toEqual([
        { targets: [`${host}:${port}`], labels: { node: "gpu-1x-a10-0" } },
        { targets: [`10.210.8.2:${port}`], labels: { node: "gpu-1x-h100-pcie-0" } },
        { targets: [`10.210.8.3:${port}`], labels: { node: "cpu-4x-0" } },
      ]);
    }
    // dcgm-exporter only where there are GPUs: here and on the H100 node, not on the CPU node.
    expect(staticConfigs(withFleet, "gpu")).toEqual([
      { targets: ["gpu-exporter:9400"], labels: { node: "gpu-1x-a10-0" } },
      { targets: ["10.210.8.2:9400"], labels: { node: "gpu-1x-h100-pcie-0" } },
    ]);
    expect(staticConfigs({ ...withFleet, gpus: 0 }, "gpu")).toEqual([{ targets: ["10.210.8.2:9400"], labels: { node: "gpu-1x-h100-pcie-0" } }]);
  });

  test("every agent pool is probed over the private network with its pool and node; blackbox gets the http_health module", () => {
    const files = monitoringFiles({ ...args, fleet });
    expect(scrapeJobs({ ...args, fleet }).find((j) => j.job_name === "agent-pools")).toMatchObject({
      params: { module: ["http_health"] },
      static_configs: [
        { targets: ["http://10.210.8.2:7780/health"], labels: { pool: "gpu-1x-h100-pcie-0-coding", node: "gpu-1x-h100-pcie-0" } },
        { targets: ["http://10.210.8.3:7780/health"], labels: { pool: "cpu-4x-0-research", node: "cpu-4x-0" } },
      ],
    });
    expect(files.blackbox).toContain("http_health:");
    expect(files.rules).toContain("alert: SophiaNodeDown");
    expect(files.rules).toContain("alert: SophiaAgentPoolUnreachable");
    // Containers of the same name run on every node: an OOM kill is matched with its own node's restarts.
    expect(files.rules).toContain("and on (container_name, node) increase(");
  });

  test("without a fleet nothing changes: one unlabelled target per exporter job, no pool probes, no fleet alerts", () => {
    const files = monitoringFiles(upstream);
    expect(staticConfigs(upstream, "node")).toEqual([{ targets: ["node-exporter:9100"] }]);
    expect(staticConfigs(upstream, "gpu")).toEqual([{ targets: ["gpu-exporter:9400"] }]);
    expect(scrapeJobs(upstream).map((j) => j.job_name)).not.toContain("agent-pools");
    expect(files.blackbox).not.toContain("http_health");
    expect(files.rules).not.toContain("SophiaNodeDown");
    expect(files.rules).toContain("and on (container_name) increase(");
  });

  test("a remote GPU node with Debian-built images (no dcgm-exporter) is left out of the gpu job and named in one warning line; upstream images skip none", () => {
    expect(staticConfigs({ ...args, gpus: 1, fleet }, "gpu")).toBeUndefined();
    expect(skippedGpuExporters({ images: "debian", fleet })).toEqual(['monitoring: no GPU exporter on gpu-1x-h100-pcie-0 (1 GPU): images "debian" have no dcgm-exporter, so its GPUs are not scraped']);
    expect(skippedGpuExporters({ images: "upstream", fleet })).toEqual([]);
    expect(skippedGpuExporters({ images: "debian" })).toEqual([]);
  });

  test("a fleet that would scrape the wrong thing is refused, naming the field", () => {
    const remote = fleet.remoteNodes[0]!;
    expect(() => monitoringFiles({ ...args, fleet: { ...fleet, remoteNodes: [{ ...remote, address: "10.210.8.2:9100" }] } })).toThrow('fleet.remoteNodes[0].address: expected the node\'s private IPv4 address (its WireGuard address); got "10.210.8.2:9100"');
    expect(() => monitoringFiles({ ...args, fleet: { ...fleet, remoteNodes: [{ ...remote, address: "198.51.100.7" }] } })).toThrow("fleet.remoteNodes[0].address");
    expect(() => monitoringFiles({ ...args, fleet: { ...fleet, remoteNodes: [{ ...remote, node: fleet.localNode }] } })).toThrow("fleet.remoteNodes[0].node");
    expect(() => monitoringFiles({ ...args, fleet: { ...fleet, pools: [{ pool: "p", node: "gpu-8x-0", url: "http://10.210.8.9:7780/health" }] } })).toThrow("fleet.pools[0].node: expected one of the fleet's nodes");
    expect(() => monitoringFiles({ ...args, fleet: { ...fleet, pools: [{ pool: "p", node: "cpu-4x-0", url: "10.210.8.3:7780/health" }] } })).toThrow("fleet.pools[0].url");
  });
});

describe("the Monitoring component (mock mode)", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "t" }, platform: "linux/amd64" });
      const monitoring = new Monitoring("mon", {
        ...args,
        runtime,
        baseImage: "sophia/base:trixie",
        tokens: { probe: pulumi.secret("probe-token-value"), ingressMetrics: pulumi.secret("metrics-token-value") },
      });
      return { containers: monitoring.containers };
    });
    resources = evaluation.resources;
  });

  test("its containers sit only on the monitoring network (no MCP server or agent is on it), publish no port, and run the image built on the configured base", () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container");
    expect(containers).toHaveLength(6);
    for (const c of containers) {
      expect(c.inputs.ports).toBeUndefined();
      expect(c.inputs.networksAdvanced).toEqual([{ name: "sophia-monitoring", aliases: [c.inputs.hostname] }]);
      expect(c.parent).toBe("sophia:monitoring:Stack::mon");
    }
    expect(resources.find((r) => r.name === "mon-image")!.inputs).toMatchObject({ skipPush: true, imageName: "sophia/monitoring:t", build: { args: { BASE_IMAGE: "sophia/base:trixie" } } });
    expect(resources.find((r) => r.name === "mon-alert-log-image")!.inputs).toMatchObject({ skipPush: true, imageName: "sophia/alert-log:t" });
    expect(resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage")).toEqual([]);
  });

  test("tokens reach their containers only as secrets; Prometheus keeps its series on its own volume", () => {
    const envs = (name: string) => resources.find((r) => r.name === name)!.inputs.envs as { [SECRET_SIG_KEY]?: string; value?: unknown };
    expect(envs("mon-blackbox")[SECRET_SIG_KEY]).toBeDefined();
    expect(JSON.stringify(envs("mon-blackbox").value)).toContain("SOPHIA_PROBE_TOKEN=probe-token-value");
    expect(JSON.stringify(envs("mon-prometheus").value)).toContain("SOPHIA_INGRESS_METRICS_TOKEN=metrics-token-value");
    for (const name of ["mon-alertmanager", "mon-alert-log", "mon-node-exporter", "mon-container-exporter"]) expect(JSON.stringify(resources.find((r) => r.name === name)!.inputs.envs)).not.toContain("token-value");
    expect(resources.find((r) => r.name === "mon-prometheus")!.inputs.volumes).toEqual([{ containerPath: "/prometheus", volumeName: "sophia-t-prometheus-data" }]);
  });
});

describe("the Monitoring component with upstream images (mock mode)", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "t" }, platform: "linux/amd64" });
      const monitoring = new Monitoring("mon", {
        ...upstream,
        runtime,
        baseImage: "debian:trixie-slim@sha256:" + "a".repeat(64),
        tokens: { probe: pulumi.secret("probe-token-value"), ingressMetrics: pulumi.secret("metrics-token-value") },
        webhooks: { page: pulumi.secret("https://pager.example/hook/key-1"), ticket: pulumi.secret("https://tickets.example/hook/key-2") },
        protect: true,
      });
      return { containers: monitoring.containers };
    });
    resources = evaluation.resources;
  });

  test("each program's image is pulled by its pinned digest; only the alert log is built", () => {
    const pulled = resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name);
    expect(pulled.sort()).toEqual(Object.values(UPSTREAM_IMAGES).sort());
    expect(resources.filter((r) => r.type === "docker:index/image:Image").map((r) => r.inputs.imageName)).toEqual(["sophia/alert-log:t"]);
    expect(resources.find((r) => r.name === "mon-prometheus")!.inputs.image).toBe(UPSTREAM_IMAGES.prometheus);
  });

  test("webhook URLs and Grafana's admin password reach their containers only as secrets; Prometheus and Grafana keep their data on volumes; dcgm-exporter gets the GPUs and its one capability", () => {
    const envs = (name: string) => resources.find((r) => r.name === name)!.inputs.envs as { [SECRET_SIG_KEY]?: string; value?: unknown };
    expect(envs("mon-alertmanager")[SECRET_SIG_KEY]).toBeDefined();
    expect(JSON.stringify(envs("mon-alertmanager").value)).toContain("SOPHIA_PAGE_WEBHOOK_URL=https://pager.example/hook/key-1");
    expect(envs("mon-grafana")[SECRET_SIG_KEY]).toBeDefined();
    expect(JSON.stringify(resources.find((r) => r.name === "mon-prometheus")!.inputs)).not.toContain("key-1");
    const volumes = resources.filter((r) => r.type === "docker:index/volume:Volume");
    expect(volumes.map((v) => v.inputs.name).sort()).toEqual(["sophia-t-grafana-data", "sophia-t-prometheus-data"]);
    expect(resources.find((r) => r.name === "mon-gpu-exporter")!.inputs).toMatchObject({ runtime: "nvidia", capabilities: { drops: ["ALL"], adds: ["SYS_ADMIN"] } });
  });
});

describe("the Monitoring component with a data filesystem (mock mode)", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "ssh://ubuntu@192.0.2.7", labels: { "sophia.stack": "t", "sophia.node": "n0" }, platform: "linux/amd64" });
      const monitoring = new Monitoring("mon", {
        ...upstream,
        runtime,
        baseImage: "debian:trixie-slim@sha256:" + "a".repeat(64),
        tokens: { probe: pulumi.secret("probe-token-value"), ingressMetrics: pulumi.secret("metrics-token-value") },
        protect: true,
        dataFilesystem: { name: "sophia-t-data", stack: "t", snapshotIntervalSeconds: 120 },
      });
      return { containers: monitoring.containers };
    });
    resources = evaluation.resources;
  });

  test("Grafana's database and Prometheus's snapshots are directories on the filesystem (the ones the bootstrap makes); Prometheus's TSDB stays on the node's disk, and the snapshots' volume says whose they are", () => {
    const volumes = resources.filter((r) => r.type === "docker:index/volume:Volume");
    const onFilesystem = volumes.filter((v) => (v.inputs.driverOpts as { device?: string } | undefined)?.device?.startsWith("/lambda/nfs/"));
    expect(onFilesystem.map((v) => v.inputs.name).sort()).toEqual(monitoringDataVolumes("t", "upstream").map((v) => v.volumeName).sort());
    for (const v of onFilesystem) expect(v.inputs).toMatchObject({ driver: "local", driverOpts: { type: "none", o: "bind", device: `/lambda/nfs/sophia-t-data/t/${v.inputs.name}` } });
    const tsdb = volumes.find((v) => v.inputs.name === "sophia-t-prometheus-data")!;
    expect(tsdb.inputs.driverOpts).toBeUndefined();
    expect(volumes.find((v) => v.inputs.name === "sophia-t-prometheus-snapshots")!.inputs.labels).toContainEqual({ label: "sophia.snapshots-of", value: "sophia-t-prometheus-data" });
    expect(volumes.every((v) => v.protect)).toBe(true);
    const prometheus = resources.find((r) => r.name === "mon-prometheus")!.inputs;
    expect(prometheus.volumes).toEqual([
      { containerPath: "/prometheus", volumeName: "sophia-t-prometheus-data" },
      { containerPath: PROMETHEUS_SNAPSHOT_DIR, volumeName: "sophia-t-prometheus-snapshots" },
    ]);
    const script = (prometheus.entrypoints as string[])[2]!;
    expect(script).toContain("--web.enable-admin-api &");
    expect(script).toContain("while sleep 120; do snapshot");
    // busybox's wget in the upstream image; the shell script parses.
    expect(script).toContain("wget -q -O - --post-data= http://127.0.0.1:9090/api/v1/admin/tsdb/snapshot");
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
  });

  test("images on a node's engine are named after the node: moved to another node, they are built or pulled there", () => {
    const images = resources.filter((r) => r.type.startsWith("docker:index/") && r.type.toLowerCase().includes("image"));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.name).toMatch(/-on-n0$/);
  });
});

describe("the Monitoring component with a fleet (mock mode)", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "t" }, platform: "linux/amd64", fleet: true });
      const monitoring = new Monitoring("mon", { ...upstream, fleet, runtime, baseImage: "debian:trixie-slim@sha256:" + "a".repeat(64), tokens: { probe: pulumi.secret("p"), ingressMetrics: pulumi.secret("m") } });
      return { containers: monitoring.containers };
    });
    resources = evaluation.resources;
  });

  test("Prometheus and blackbox-exporter also join the fleet network, to reach other nodes; every other container stays on the monitoring network alone", () => {
    const containers = resources.filter((r) => r.type === "docker:index/container:Container");
    expect(containers.length).toBeGreaterThan(2);
    for (const c of containers) {
      const role = String(c.inputs.name).replace(/^sophia-t-/, "");
      const onFleet = ["prometheus", "blackbox"].includes(role);
      expect(c.inputs.networksAdvanced).toEqual([{ name: "sophia-monitoring", aliases: [role] }, ...(onFleet ? [{ name: "sophia-fleet" }] : [])]);
      expect(c.inputs.ports).toBeUndefined();
    }
  });

  test("the two on the fleet network have another host name than their alias: Docker answers a host name on the fleet network first, where no container reaches another", () => {
    const hostnames = resources.filter((r) => r.type === "docker:index/container:Container").map((r) => [String(r.inputs.name).replace(/^sophia-t-/, ""), r.inputs.hostname]);
    expect(hostnames).toEqual(expect.arrayContaining([["prometheus", "prometheus-fleet"], ["blackbox", "blackbox-fleet"], ["alertmanager", "alertmanager"]]));
  });
});

test("a fleet on a runtime without the fleet network is refused, naming the argument", async () => {
  await expect(
    evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "t" }, platform: "linux/amd64" });
      new Monitoring("mon", { ...args, fleet, runtime, baseImage: "sophia/base:trixie", tokens: { probe: "p", ingressMetrics: "m" } });
    }),
  ).rejects.toThrow("Monitoring mon: fleet: set, so Prometheus must reach other nodes, but runtime has no fleet network");
});

test("only private IPv4 addresses pass as a node's WireGuard address", () => {
  for (const ok of ["10.210.8.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1"]) expect([ok, isPrivateAddress(ok)]).toEqual([ok, true]);
  for (const bad of ["0.0.0.0", "198.51.100.7", "172.32.0.1", "10.210.8.256", "010.1.1.1", "10.210.8", "::1", "10.210.8.1:9100"]) expect([bad, isPrivateAddress(bad)]).toEqual([bad, false]);
});
