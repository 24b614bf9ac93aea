// The monitoring stack's containers (pure specs) and its component in mock mode: the hardening every
// container keeps, the written exceptions (node-exporter's read-only host mounts, Telegraf's Docker
// socket, dcgm-exporter's GPUs), tokens only as secrets and files, nothing published, everything on
// the monitoring network; Debian-built images locally, upstream ones pinned by digest elsewhere.
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import { parse } from "yaml";
import { CONTAINER_EXPORTER_HOST_MOUNTS, monitoringContainerSpecs, monitoringFiles, type MonitoringSpecArgs, NODE_EXPORTER_HOST_MOUNTS, TOKEN_FILES, UPSTREAM_IMAGES, writeThenExec } from "./containers";
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
