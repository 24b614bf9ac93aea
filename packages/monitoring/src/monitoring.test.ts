// The monitoring stack's containers (pure specs) and its component in mock mode: the hardening every
// container keeps, the one written exception (node-exporter's read-only host mounts), tokens only as
// secrets and files, nothing published, everything on the internal network.
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import { parse } from "yaml";
import { monitoringContainerSpecs, monitoringFiles, type MonitoringSpecArgs, NODE_EXPORTER_HOST_MOUNTS, TOKEN_FILES, writeThenExec } from "./containers";
import { Monitoring } from "./monitoring";

const args: MonitoringSpecArgs = {
  stack: "t",
  servers: ["memory", "sophia-ops"],
  ingressInternalUrl: "http://ingress:8081",
  ingressMetrics: "ingress-mcp:9180",
  scrapeIntervalSeconds: 15,
  retentionDays: 30,
  nodeCosts: [{ node: "local-0", offer: "local", pricePerHour: 0 }],
  logs: { maxSizeMiB: 10, maxFiles: 2 },
  labels: { "sophia.stack": "t" },
};

test("every monitoring container runs non-root, read-only, with all capabilities dropped, no-new-privileges, a restart policy, limits and a health check", () => {
  const specs = monitoringContainerSpecs(args);
  expect(specs.map((s) => s.name)).toEqual(["sophia-t-prometheus", "sophia-t-alertmanager", "sophia-t-blackbox", "sophia-t-node-exporter", "sophia-t-alert-log"]);
  for (const s of specs) {
    expect(s).toMatchObject({ user: "65534:65534", readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"], restart: "unless-stopped", networkMode: "bridge" });
    expect(s.memory).toBeGreaterThan(0);
    expect(s.memorySwap).toBe(s.memory);
    expect(s.healthcheck.tests[0]).toBe("CMD");
    expect(JSON.stringify(s)).not.toContain("docker.sock");
  }
});

test("only node-exporter mounts anything from the host: /proc and /sys, read-only", () => {
  const specs = monitoringContainerSpecs(args);
  for (const s of specs.filter((x) => x.role !== "nodeExporter")) expect(s.hostMounts).toEqual([]);
  const node = specs.find((s) => s.role === "nodeExporter")!;
  expect(node.hostMounts).toEqual(NODE_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })));
  expect(node.hostMounts.every((m) => m.readOnly)).toBe(true);
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
  expect(specs.find((s) => s.role === "blackbox")!.secretEnvs).toEqual([{ env: "SOPHIA_PROBE_TOKEN", token: "probe" }]);
  expect(specs.find((s) => s.role === "prometheus")!.secretEnvs).toEqual([{ env: "SOPHIA_INGRESS_METRICS_TOKEN", token: "ingressMetrics" }]);
});

test("by default pages and tickets go to the alert log on the same network; configured receivers replace it", () => {
  const routes = (yml: string) => (parse(yml) as { receivers: { name: string; webhook_configs: { url: string }[] }[] }).receivers.map((r) => [r.name, r.webhook_configs[0]!.url]);
  expect(routes(monitoringFiles(args).alertmanager)).toEqual([
    ["page", "http://alert-log:9095/page"],
    ["ticket", "http://alert-log:9095/ticket"],
  ]);
  expect(routes(monitoringFiles({ ...args, receivers: { page: { url: "https://pager.example/hook" }, ticket: { url: "https://tickets.example/hook" } } }).alertmanager)).toEqual([
    ["page", "https://pager.example/hook"],
    ["ticket", "https://tickets.example/hook"],
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
    expect(containers).toHaveLength(5);
    for (const c of containers) {
      expect(c.inputs.ports).toBeUndefined();
      expect(c.inputs.networksAdvanced).toEqual([{ name: "sophia-monitoring", aliases: [c.inputs.hostname] }]);
      expect(c.parent).toBe("sophia:monitoring:Stack::mon");
    }
    expect(resources.find((r) => r.name === "mon-image")!.inputs).toMatchObject({ skipPush: true, imageName: "sophia/monitoring:t", build: { args: { BASE_IMAGE: "sophia/base:trixie" } } });
  });

  test("tokens reach their containers only as secrets; Prometheus keeps its series on its own volume", () => {
    const envs = (name: string) => resources.find((r) => r.name === name)!.inputs.envs as { [SECRET_SIG_KEY]?: string; value?: unknown };
    expect(envs("mon-blackbox")[SECRET_SIG_KEY]).toBeDefined();
    expect(JSON.stringify(envs("mon-blackbox").value)).toContain("SOPHIA_PROBE_TOKEN=probe-token-value");
    expect(JSON.stringify(envs("mon-prometheus").value)).toContain("SOPHIA_INGRESS_METRICS_TOKEN=metrics-token-value");
    for (const name of ["mon-alertmanager", "mon-alert-log", "mon-node-exporter"]) expect(JSON.stringify(resources.find((r) => r.name === name)!.inputs.envs)).not.toContain("token-value");
    expect(resources.find((r) => r.name === "mon-prometheus")!.inputs.volumes).toEqual([{ containerPath: "/prometheus", volumeName: "sophia-t-prometheus-data" }]);
  });
});
