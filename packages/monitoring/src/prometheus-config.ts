// The configuration files of Prometheus, blackbox-exporter and Alertmanager, from typed targets.
// Tokens are never in them: each names a file the component mounts from a Pulumi secret.
import { stringify } from "yaml";
import { PROBE_INTERVAL_SECONDS, SLI_METRICS } from "./slo";

/** Targets that share labels of their own, e.g. one node's exporter with its `node`. */
export interface TargetGroup {
  /** host:port of each. */
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** A set of HTTP endpoints Prometheus scrapes for metrics. */
export interface ScrapeJob {
  readonly job: string;
  /** host:port on the monitoring network, with no labels of their own. */
  readonly targets?: readonly string[];
  /** Further targets, labelled per group (a fleet's nodes). */
  readonly groups?: readonly TargetGroup[];
  readonly metricsPath?: string;
  /** File holding the bearer token the endpoint wants. */
  readonly tokenFile?: string;
}

/** An MCP server probed through the ingress. */
export interface ProbedServer {
  readonly server: string;
  /** Its URL on the ingress's internal site, e.g. http://ingress-mcp:8081/memory/mcp. */
  readonly url: string;
}

/** An agent pool's health endpoint, probed over the stack's private network. */
export interface PoolProbe {
  readonly pool: string;
  /** The placement id of the node the pool runs on. */
  readonly node: string;
  /** e.g. http://10.210.8.1:7780/health */
  readonly url: string;
}

/** The MCP servers' own request metrics, scraped through the ingress (`/servers/<server>/metrics`). */
export interface ServerMetrics {
  /** host:port of the ingress's metrics site. */
  readonly target: string;
  readonly tokenFile: string;
  readonly servers: readonly string[];
}

export interface PrometheusConfigArgs {
  readonly scrapeIntervalSeconds: number;
  readonly ruleFile: string;
  /** host:port of Alertmanager. */
  readonly alertmanager: string;
  /** host:port of blackbox-exporter. */
  readonly blackbox: string;
  readonly jobs: readonly ScrapeJob[];
  readonly probes: readonly ProbedServer[];
  readonly serverMetrics?: ServerMetrics;
  /** Agent pools probed through blackbox-exporter (HEALTH_MODULE), as job AGENT_POOLS_JOB. */
  readonly poolProbes?: readonly PoolProbe[];
}

/** The job that scrapes the servers' own metrics. */
export const SERVER_METRICS_JOB = "mcp-servers";

export const PROBE_MODULE = "mcp_initialize";

/** The job of each node's node-exporter (SophiaNodeDown reads its `up`). */
export const NODE_JOB = "node";
/** The job that probes every agent pool's /health over the private network. */
export const AGENT_POOLS_JOB = "agent-pools";
/** blackbox-exporter's module for a plain health endpoint: GET, any 2xx, no token. */
export const HEALTH_MODULE = "http_health";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function renderPrometheusConfig(args: PrometheusConfigArgs): string {
  if (args.probes.length === 0) throw new Error("renderPrometheusConfig: probes: expected at least one MCP server to probe; got none");
  const jobNames = args.jobs.map((j) => j.job);
  const reserved = [SLI_METRICS.probeJob, SERVER_METRICS_JOB, AGENT_POOLS_JOB];
  const duplicate = jobNames.find((j, i) => jobNames.indexOf(j) !== i || reserved.includes(j));
  if (duplicate) throw new Error(`renderPrometheusConfig: jobs: job names must be unique and not "${SLI_METRICS.probeJob}", "${SERVER_METRICS_JOB}" or "${AGENT_POOLS_JOB}"; got "${duplicate}" twice`);
  for (const j of args.jobs) {
    if ((j.targets?.length ?? 0) + (j.groups ?? []).reduce((n, g) => n + g.targets.length, 0) === 0) throw new Error(`renderPrometheusConfig: jobs: job "${j.job}": expected at least one target; got none`);
    const label = (j.groups ?? []).flatMap((g) => Object.keys(g.labels)).find((l) => !LABEL_NAME.test(l));
    if (label !== undefined) throw new Error(`renderPrometheusConfig: jobs: job "${j.job}": expected Prometheus label names; got ${JSON.stringify(label)}`);
  }
  const servers = args.serverMetrics;
  const pools = args.poolProbes ?? [];
  const config = {
    global: { scrape_interval: `${args.scrapeIntervalSeconds}s`, evaluation_interval: `${args.scrapeIntervalSeconds}s` },
    rule_files: [args.ruleFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [args.alertmanager] }] }] },
    scrape_configs: [
      ...args.jobs.map((j) => ({
        job_name: j.job,
        ...(j.metricsPath ? { metrics_path: j.metricsPath } : {}),
        ...(j.tokenFile ? { authorization: { type: "Bearer", credentials_file: j.tokenFile } } : {}),
        // Unlabelled targets first, as the one group a job had before groups existed.
        static_configs: [...(j.targets ? [{ targets: [...j.targets] }] : []), ...(j.groups ?? []).map((g) => ({ targets: [...g.targets], labels: { ...g.labels } }))],
      })),
      ...(servers
        ? [
            {
              // One target per server, all on the ingress's metrics site; the servers label their own
              // series with `server`, which is kept as they say it.
              job_name: SERVER_METRICS_JOB,
              honor_labels: true,
              authorization: { type: "Bearer", credentials_file: servers.tokenFile },
              static_configs: servers.servers.map((server) => ({ targets: [servers.target], labels: { server, __metrics_path__: `/servers/${server}/metrics` } })),
            },
          ]
        : []),
      {
        // blackbox-exporter POSTs the initialize; each target is an MCP server's URL, and the
        // `server` label says which.
        job_name: SLI_METRICS.probeJob,
        scrape_interval: `${PROBE_INTERVAL_SECONDS}s`,
        scrape_timeout: `${PROBE_INTERVAL_SECONDS - 1}s`,
        metrics_path: "/probe",
        params: { module: [PROBE_MODULE] },
        static_configs: args.probes.map((p) => ({ targets: [p.url], labels: { server: p.server } })),
        relabel_configs: [
          { source_labels: ["__address__"], target_label: "__param_target" },
          { source_labels: ["__param_target"], target_label: "instance" },
          { target_label: "__address__", replacement: args.blackbox },
        ],
      },
      ...(pools.length > 0
        ? [
            {
              // Each pool's /health over the private network, at the global interval: its alert
              // waits a minute anyway. `pool` and `node` say which.
              job_name: AGENT_POOLS_JOB,
              metrics_path: "/probe",
              params: { module: [HEALTH_MODULE] },
              static_configs: pools.map((p) => ({ targets: [p.url], labels: { pool: p.pool, node: p.node } })),
              relabel_configs: [
                { source_labels: ["__address__"], target_label: "__param_target" },
                { source_labels: ["__param_target"], target_label: "instance" },
                { target_label: "__address__", replacement: args.blackbox },
              ],
            },
          ]
        : []),
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

/** blackbox-exporter's modules: a JSON-RPC initialize POSTed with the Accept header MCP wants (a
 * bare GET gets 405 from a stateless server and would read as an outage) and the probe's token; with
 * `httpHealth`, also a plain GET of a health endpoint (the agent pools'), which wants no token. */
export function renderBlackboxConfig(tokenFile: string, options: { readonly httpHealth?: boolean } = {}): string {
  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "sophia-probe", version: "1" } } };
  return stringify(
    {
      modules: {
        [PROBE_MODULE]: {
          prober: "http",
          timeout: `${PROBE_INTERVAL_SECONDS - 1}s`,
          http: {
            method: "POST",
            headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
            body: JSON.stringify(initialize),
            valid_status_codes: [200],
            fail_if_body_not_matches_regexp: ['"serverInfo"'],
            authorization: { type: "Bearer", credentials_file: tokenFile },
          },
        },
        // valid_status_codes left out: blackbox-exporter then accepts any 2xx. IPv4: the private
        // network has no IPv6, and a name would otherwise be tried as AAAA first.
        ...(options.httpHealth ? { [HEALTH_MODULE]: { prober: "http", timeout: `${PROBE_INTERVAL_SECONDS - 1}s`, http: { method: "GET", preferred_ip_protocol: "ip4" } } } : {}),
      },
    },
    { lineWidth: 0 },
  );
}

/** Where Alertmanager sends alerts: a webhook named by its URL, or by a file holding it (a URL that
 * carries its own key, as most incident tools' do, is a secret), with a bearer token in a file when
 * it wants one. */
export type WebhookReceiver = ({ readonly url: string; readonly urlFile?: never } | { readonly urlFile: string; readonly url?: never }) & { readonly tokenFile?: string };

export interface AlertmanagerConfigArgs {
  readonly page: WebhookReceiver;
  readonly ticket: WebhookReceiver;
  /** How long Alertmanager waits to group a new alert with others before sending it. */
  readonly groupWaitSeconds: number;
}

export function renderAlertmanagerConfig(args: AlertmanagerConfigArgs): string {
  const receiver = (name: string, r: WebhookReceiver) => ({
    name,
    webhook_configs: [{ ...(r.url !== undefined ? { url: r.url } : { url_file: r.urlFile }), send_resolved: true, ...(r.tokenFile ? { http_config: { authorization: { type: "Bearer", credentials_file: r.tokenFile } } } : {}) }],
  });
  return stringify(
    {
      route: {
        receiver: "ticket",
        group_by: ["alertname", "slo", "server"],
        group_wait: `${args.groupWaitSeconds}s`,
        // New alerts joining a group, and resolutions, go out this soon after the group last sent.
        group_interval: "30s",
        repeat_interval: "4h",
        routes: [{ receiver: "page", matchers: ['severity="page"'], repeat_interval: "1h" }],
      },
      // A page already says what a ticket would.
      inhibit_rules: [{ source_matchers: ['severity="page"'], target_matchers: ['severity="ticket"'], equal: ["slo", "server"] }],
      receivers: [receiver("page", args.page), receiver("ticket", args.ticket)],
    },
    { lineWidth: 0 },
  );
}

/** Telegraf's configuration: its docker input (every container's state, restart count, OOM kill,
 * memory and CPU, from Docker's API) served to Prometheus. Labels that only add series (the engine's
 * host name and version, image versions, and the container id, which changes on every replacement
 * and which the docker input also sends as a string field, which the Prometheus output turns into a
 * label) are left out, so a container is known by its name; its Docker labels (sophia.stack,
 * sophia.component, …) are kept, as sophia_* labels. */
export function renderTelegrafConfig(args: { readonly port: number; readonly intervalSeconds: number }): string {
  return [
    "# Generated by @sophia/monitoring (renderTelegrafConfig); do not edit.",
    "[agent]",
    `  interval = "${args.intervalSeconds}s"`,
    `  flush_interval = "${args.intervalSeconds}s"`,
    "  omit_hostname = true",
    "  quiet = true",
    "",
    "[[inputs.docker]]",
    `  endpoint = "unix:///var/run/docker.sock"`,
    // The platform's containers, whatever the stack; a node runs one stack.
    `  container_name_include = ["sophia-*"]`,
    "  perdevice_include = []",
    `  total_include = ["cpu", "blkio", "network"]`,
    `  timeout = "5s"`,
    `  tagexclude = ["engine_host", "server_version", "container_version", "container_id"]`,
    `  fieldexclude = ["container_id"]`,
    "",
    "[[outputs.prometheus_client]]",
    `  listen = ":${args.port}"`,
    "  metric_version = 2",
    "  export_timestamp = false",
    // A container that is gone stops being reported within two scrapes.
    `  expiration_interval = "${2 * args.intervalSeconds}s"`,
    "",
  ].join("\n");
}
