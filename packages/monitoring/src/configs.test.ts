// The generated Prometheus, blackbox-exporter and Alertmanager files, checked by each program's own
// checker (Debian trixie's, the image's versions, fetched by tools/fetch-checkers.sh), and what they
// say, read back as data.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig } from "./prometheus-config";
import { runChecker } from "./checker";
import { platformRules, renderRuleFile } from "./rules";
import { platformSlos } from "./slo";

const dir = mkdtempSync(join(tmpdir(), "sophia-monitoring-"));
const file = (name: string, content: string) => (writeFileSync(join(dir, name), content), join(dir, name));

const token = file("token", "a-token-read-from-a-file\n");
const prometheus = renderPrometheusConfig({
  scrapeIntervalSeconds: 15,
  ruleFile: file("rules.yml", renderRuleFile(platformRules(platformSlos(["memory"]), 15))),
  alertmanager: "alertmanager:9093",
  blackbox: "blackbox:9115",
  jobs: [
    { job: "prometheus", targets: ["localhost:9090"] },
    { job: "caddy", targets: ["ingress-mcp:8081"], tokenFile: token },
  ],
  probes: [{ server: "memory", url: "http://ingress-mcp:8081/memory/mcp" }],
  serverMetrics: { target: "ingress-mcp:9180", tokenFile: token, servers: ["memory"] },
});

test("promtool accepts the Prometheus config, with its rule file", () => {
  expect(runChecker("promtool", ["check", "config", file("prometheus.yml", prometheus)])).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
});

test("each MCP server is probed through blackbox-exporter with its server label, every 5 s", () => {
  const probe = (parse(prometheus) as { scrape_configs: { job_name: string; scrape_interval?: string; params?: unknown; static_configs: unknown[] }[] }).scrape_configs.find((j) => j.job_name === "mcp-probe")!;
  expect(probe.scrape_interval).toBe("5s");
  expect(probe.params).toEqual({ module: ["mcp_initialize"] });
  expect(probe.static_configs).toEqual([{ targets: ["http://ingress-mcp:8081/memory/mcp"], labels: { server: "memory" } }]);
});

test("each MCP server's own metrics are scraped through the ingress's metrics site, with the metrics token, keeping the server's labels", () => {
  const job = (parse(prometheus) as { scrape_configs: { job_name: string; honor_labels?: boolean; authorization?: unknown; static_configs: unknown[] }[] }).scrape_configs.find((j) => j.job_name === "mcp-servers")!;
  expect(job.honor_labels).toBe(true);
  expect(job.authorization).toEqual({ type: "Bearer", credentials_file: token });
  expect(job.static_configs).toEqual([{ targets: ["ingress-mcp:9180"], labels: { server: "memory", __metrics_path__: "/servers/memory/metrics" } }]);
});

test("blackbox-exporter accepts its module: a POSTed initialize with MCP's Accept header and a token from a file", () => {
  const config = renderBlackboxConfig(token);
  runChecker("prometheus-blackbox-exporter", ["--config.check", `--config.file=${file("blackbox.yml", config)}`]);
  const http = (parse(config) as { modules: Record<string, { http: { method: string; headers: Record<string, string>; body: string; authorization: unknown } }> }).modules.mcp_initialize!.http;
  expect(http.method).toBe("POST");
  expect(http.headers.Accept).toBe("application/json, text/event-stream");
  expect(JSON.parse(http.body)).toMatchObject({ method: "initialize" });
  expect(http.authorization).toEqual({ type: "Bearer", credentials_file: token });
});

test("amtool accepts the Alertmanager config: pages and tickets to their webhooks, tokens only as file names", () => {
  const config = renderAlertmanagerConfig({ page: { url: "http://hooks:8080/page", tokenFile: token }, ticket: { url: "http://hooks:8080/ticket" }, groupWaitSeconds: 5 });
  expect(runChecker("amtool", ["check-config", file("alertmanager.yml", config)])).toMatch(/SUCCESS/);
  expect(config).not.toContain("a-token-read-from-a-file");
  const route = (parse(config) as { route: { receiver: string; routes: { receiver: string; matchers: string[] }[] } }).route;
  expect(route.receiver).toBe("ticket");
  expect(route.routes).toEqual([expect.objectContaining({ receiver: "page", matchers: ['severity="page"'] })]);
});

test("amtool accepts webhooks whose URLs are secret files (url_file), and the file name is all the config holds", () => {
  const config = renderAlertmanagerConfig({ page: { urlFile: file("page-url", "https://pager.example/hook/k1") }, ticket: { urlFile: file("ticket-url", "https://tickets.example/hook/k2") }, groupWaitSeconds: 5 });
  expect(runChecker("amtool", ["check-config", file("alertmanager-webhooks.yml", config)])).toMatch(/SUCCESS/);
  expect(config).not.toContain("pager.example");
  expect(config).toContain("url_file:");
});

test("a job named like the probe job, or twice, is refused by name", () => {
  const args = { scrapeIntervalSeconds: 15, ruleFile: "r.yml", alertmanager: "a:9093", blackbox: "b:9115", probes: [{ server: "memory", url: "http://i/memory/mcp" }] };
  expect(() => renderPrometheusConfig({ ...args, jobs: [{ job: "node", targets: ["n:9100"] }, { job: "node", targets: ["m:9100"] }] })).toThrow('got "node" twice');
  expect(() => renderPrometheusConfig({ ...args, jobs: [{ job: "mcp-probe", targets: ["n:9100"] }] })).toThrow(/not "mcp-probe"/);
});

describe("a fleet's configuration", () => {
  const fleet = renderPrometheusConfig({
    scrapeIntervalSeconds: 15,
    ruleFile: file("fleet-rules.yml", renderRuleFile(platformRules(platformSlos(["memory"]), 15, [], { fleet: true }))),
    alertmanager: "alertmanager:9093",
    blackbox: "blackbox:9115",
    jobs: [
      {
        job: "node",
        groups: [
          { targets: ["node-exporter:9100"], labels: { node: "gpu-1x-a10-0" } },
          { targets: ["10.210.8.2:9100"], labels: { node: "gpu-1x-a10-1" } },
        ],
      },
    ],
    probes: [{ server: "memory", url: "http://ingress-mcp:8081/memory/mcp" }],
    poolProbes: [{ pool: "gpu-1x-a10-1-coding", node: "gpu-1x-a10-1", url: "http://10.210.8.2:7780/health" }],
  });
  const jobs = (parse(fleet) as { scrape_configs: { job_name: string; metrics_path?: string; params?: unknown; static_configs: unknown[]; relabel_configs?: unknown[] }[] }).scrape_configs;

  test("promtool accepts it, with the fleet's rules", () => {
    expect(runChecker("promtool", ["check", "config", file("prometheus-fleet.yml", fleet)])).toMatch(/SUCCESS: .*prometheus-fleet\.yml is valid prometheus config file syntax/);
  });

  test("each target group keeps its own labels: every node's exporter says which node it is", () => {
    expect(jobs.find((j) => j.job_name === "node")!.static_configs).toEqual([
      { targets: ["node-exporter:9100"], labels: { node: "gpu-1x-a10-0" } },
      { targets: ["10.210.8.2:9100"], labels: { node: "gpu-1x-a10-1" } },
    ]);
  });

  test("every agent pool's /health is probed through blackbox-exporter's http_health module, labelled with its pool and node", () => {
    const pools = jobs.find((j) => j.job_name === "agent-pools")!;
    expect(pools.metrics_path).toBe("/probe");
    expect(pools.params).toEqual({ module: ["http_health"] });
    expect(pools.static_configs).toEqual([{ targets: ["http://10.210.8.2:7780/health"], labels: { pool: "gpu-1x-a10-1-coding", node: "gpu-1x-a10-1" } }]);
    expect(pools.relabel_configs).toContainEqual({ target_label: "__address__", replacement: "blackbox:9115" });
  });

  test("blackbox-exporter accepts the http_health module: a GET, any 2xx, no token", () => {
    const config = renderBlackboxConfig(token, { httpHealth: true });
    runChecker("prometheus-blackbox-exporter", ["--config.check", `--config.file=${file("blackbox-fleet.yml", config)}`]);
    const health = (parse(config) as { modules: Record<string, { prober: string; http: Record<string, unknown> }> }).modules.http_health!;
    expect(health).toMatchObject({ prober: "http", http: { method: "GET" } });
    expect(health.http.authorization).toBeUndefined();
    expect(health.http.valid_status_codes).toBeUndefined();
    expect(renderBlackboxConfig(token)).not.toContain("http_health");
  });

  test("a job with no target, a label name Prometheus refuses, or a job named agent-pools is refused by name", () => {
    const args = { scrapeIntervalSeconds: 15, ruleFile: "r.yml", alertmanager: "a:9093", blackbox: "b:9115", probes: [{ server: "memory", url: "http://i/memory/mcp" }] };
    expect(() => renderPrometheusConfig({ ...args, jobs: [{ job: "node", groups: [] }] })).toThrow('job "node": expected at least one target');
    expect(() => renderPrometheusConfig({ ...args, jobs: [{ job: "node", groups: [{ targets: ["n:9100"], labels: { "node-id": "x" } }] }] })).toThrow('expected Prometheus label names; got "node-id"');
    expect(() => renderPrometheusConfig({ ...args, jobs: [{ job: "agent-pools", targets: ["n:9100"] }] })).toThrow(/not .*"agent-pools"/);
  });
});
