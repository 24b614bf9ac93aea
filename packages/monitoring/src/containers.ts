// The monitoring stack's containers as plain data (docker.ContainerArgs without Outputs), so tests read
// them directly and the smoke applies each to Docker: Prometheus, Alertmanager, blackbox-exporter,
// node-exporter and the alert log, all from one image built on Debian's packages.
//
// Docker refuses file uploads into a read-only container, so every configuration file travels as an
// environment variable that the container's shell writes to its tmpfs before it starts the program
// (as the ingress does with its Caddyfile). Tokens arrive the same way, as secret variables, and reach
// the programs only as files (`credentials_file`): never in a configuration file.
import * as path from "node:path";
import { type ContainerSpec, cpuLimit, HARDENING, healthcheckFor, type LogRetention, memoryLimit } from "@sophia/mcp-servers";
import { renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, type WebhookReceiver } from "./prometheus-config";
import { type NodeCost, platformRules, renderRuleFile } from "./rules";
import { platformSlos } from "./slo";

/** The image's build context, found from this module (the engine runs the program in stacks/). */
export const MONITORING_CONTEXT = path.resolve(__dirname, "..", "images", "monitoring");

export const MONITORING_PORTS = { prometheus: 9090, alertmanager: 9093, alertLog: 9095, nodeExporter: 9100, blackbox: 9115 } as const;
export type MonitoringRole = keyof typeof MONITORING_PORTS;

/** Initial sizes, to be replaced by figures measured under load the way the MCP servers' were. */
export const MONITORING_SIZING: Record<MonitoringRole, { memoryMiB: number; cpus: number }> = {
  prometheus: { memoryMiB: 512, cpus: 0.5 },
  alertmanager: { memoryMiB: 64, cpus: 0.25 },
  alertLog: { memoryMiB: 64, cpus: 0.25 },
  nodeExporter: { memoryMiB: 64, cpus: 0.25 },
  blackbox: { memoryMiB: 64, cpus: 0.25 },
};

/** Where the programs read their tokens: files the container's shell writes from secret variables. */
export const TOKEN_FILES = { probe: "/tmp/secrets/probe-token", ingressMetrics: "/tmp/secrets/ingress-metrics-token" } as const;
/** The secret variables those files are written from. */
export const TOKEN_ENVS = { probe: "SOPHIA_PROBE_TOKEN", ingressMetrics: "SOPHIA_INGRESS_METRICS_TOKEN" } as const;

/** Prometheus keeps its time series on a named volume; the image makes the directory uid 65534's. */
export const PROMETHEUS_DATA_DIR = "/prometheus";

/**
 * The one exception to the hardening the MCP servers get, written down here and visible in the plan:
 * node-exporter reads the host's /proc and /sys, read-only, to report the node's CPU, memory, disks and
 * network. It runs unprivileged, with every capability dropped, like the rest.
 */
export const NODE_EXPORTER_HOST_MOUNTS = [
  { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
  { hostPath: "/sys", containerPath: "/host/sys", readOnly: true },
] as const;

export interface MonitoringSpecArgs {
  readonly stack: string;
  /** The MCP servers probed through the ingress. */
  readonly servers: readonly string[];
  /** Per server, the tools the latency SLO leaves out (the catalog's long-running ones). */
  readonly longRunningTools?: Readonly<Record<string, readonly string[]>>;
  /** The ingress's internal site, e.g. http://ingress-mcp:8081 (probes go to `<url>/<server>/mcp`). */
  readonly ingressInternalUrl: string;
  /** host:port of the ingress's metrics (Caddy's, behind their own token). */
  readonly ingressMetrics: string;
  readonly scrapeIntervalSeconds: number;
  readonly retentionDays: number;
  /** The fleet's nodes and their prices (placement's), recorded as cost series. */
  readonly nodeCosts: readonly NodeCost[];
  /** Where pages and tickets go; by default the alert log on this node. */
  readonly receivers?: { readonly page: WebhookReceiver; readonly ticket: WebhookReceiver };
  readonly logs: LogRetention;
  readonly labels: Readonly<Record<string, string>>;
}

/** A monitoring container: the MCP servers' container settings, plus its role, the tokens it is given
 * as secret variables, and (node-exporter alone) read-only host mounts. */
export interface MonitoringContainerSpec extends ContainerSpec {
  readonly role: MonitoringRole;
  /** Secret variables the component adds (name → which token). */
  readonly secretEnvs: readonly { readonly env: string; readonly token: keyof typeof TOKEN_FILES }[];
  readonly hostMounts: readonly { readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean }[];
}

const ETC = "/tmp/etc";

/** `sh -c` that writes each variable's value to its file (tokens readable by the owner only), then
 * execs the program. */
export function writeThenExec(files: readonly { readonly env: string; readonly path: string }[], program: readonly string[]): string[] {
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.path)))];
  const steps = [
    "umask 077",
    ...(dirs.length ? [`mkdir -p ${dirs.join(" ")}`] : []),
    ...files.map((f) => `printf "%s" "$${f.env}" >${f.path}`),
    `exec ${program.map((a) => (/^[\w./:=,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ")}`,
  ];
  return ["sh", "-c", steps.join(" && ")];
}

/** The configuration files, rendered from the SLOs and the stack's targets. */
export function monitoringFiles(args: MonitoringSpecArgs) {
  const host = (role: MonitoringRole) => `${role === "nodeExporter" ? "node-exporter" : role === "alertLog" ? "alert-log" : role}:${MONITORING_PORTS[role]}`;
  const alertLog = `http://${host("alertLog")}`;
  const receivers = args.receivers ?? { page: { url: `${alertLog}/page` }, ticket: { url: `${alertLog}/ticket` } };
  const rules = renderRuleFile(platformRules(platformSlos(args.servers, args.longRunningTools), args.scrapeIntervalSeconds, args.nodeCosts));
  const prometheus = renderPrometheusConfig({
    scrapeIntervalSeconds: args.scrapeIntervalSeconds,
    ruleFile: `${ETC}/rules.yml`,
    alertmanager: host("alertmanager"),
    blackbox: host("blackbox"),
    jobs: [
      { job: "prometheus", targets: [`localhost:${MONITORING_PORTS.prometheus}`] },
      { job: "alertmanager", targets: [host("alertmanager")] },
      { job: "blackbox", targets: [host("blackbox")] },
      { job: "node", targets: [host("nodeExporter")] },
      { job: "ingress", targets: [args.ingressMetrics], tokenFile: TOKEN_FILES.ingressMetrics },
    ],
    probes: args.servers.map((server) => ({ server, url: `${args.ingressInternalUrl}/${server}/mcp` })),
    serverMetrics: { target: args.ingressMetrics, tokenFile: TOKEN_FILES.ingressMetrics, servers: args.servers },
  });
  return {
    prometheus,
    rules,
    blackbox: renderBlackboxConfig(TOKEN_FILES.probe),
    alertmanager: renderAlertmanagerConfig({ ...receivers, groupWaitSeconds: 5 }),
  };
}

/** Every container of the monitoring stack on one node. */
export function monitoringContainerSpecs(args: MonitoringSpecArgs): MonitoringContainerSpec[] {
  if (args.servers.length === 0) throw new Error("monitoringContainerSpecs: servers: expected at least one MCP server to probe; got none");
  const files = monitoringFiles(args);
  const container = (role: MonitoringRole, hostname: string, parts: Pick<MonitoringContainerSpec, "command" | "envs" | "secretEnvs" | "tmpfs" | "hostMounts" | "healthcheck">): MonitoringContainerSpec => ({
    role,
    name: `sophia-${args.stack}-${hostname}`,
    hostname,
    ...HARDENING,
    capabilities: { drops: [...HARDENING.capabilities.drops] },
    securityOpts: [...HARDENING.securityOpts],
    ...parts,
    ...memoryLimit(MONITORING_SIZING[role].memoryMiB),
    cpus: cpuLimit(MONITORING_SIZING[role].cpus),
    logDriver: "json-file",
    logOpts: { "max-size": `${args.logs.maxSizeMiB}m`, "max-file": String(args.logs.maxFiles) },
    labels: Object.entries({ ...args.labels, "sophia.component": "monitoring", "sophia.monitoring": role }).map(([label, value]) => ({ label, value })),
  });
  const tmp = { "/tmp": "rw,noexec,nosuid,size=16m" };
  const port = MONITORING_PORTS;
  return [
    container("prometheus", "prometheus", {
      envs: [`SOPHIA_PROMETHEUS_YML=${files.prometheus}`, `SOPHIA_RULES_YML=${files.rules}`],
      secretEnvs: [{ env: TOKEN_ENVS.ingressMetrics, token: "ingressMetrics" }],
      command: writeThenExec(
        [
          { env: "SOPHIA_PROMETHEUS_YML", path: `${ETC}/prometheus.yml` },
          { env: "SOPHIA_RULES_YML", path: `${ETC}/rules.yml` },
          { env: TOKEN_ENVS.ingressMetrics, path: TOKEN_FILES.ingressMetrics },
        ],
        ["prometheus", `--config.file=${ETC}/prometheus.yml`, `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`, `--storage.tsdb.retention.time=${args.retentionDays}d`, `--web.listen-address=:${port.prometheus}`],
      ),
      tmpfs: tmp,
      hostMounts: [],
      healthcheck: healthcheckFor(port.prometheus, "/-/ready"),
    }),
    container("alertmanager", "alertmanager", {
      envs: [`SOPHIA_ALERTMANAGER_YML=${files.alertmanager}`],
      secretEnvs: [],
      // One Alertmanager per stack: no cluster to gossip with.
      command: writeThenExec(
        [{ env: "SOPHIA_ALERTMANAGER_YML", path: `${ETC}/alertmanager.yml` }],
        ["prometheus-alertmanager", `--config.file=${ETC}/alertmanager.yml`, "--storage.path=/tmp/alertmanager", `--web.listen-address=:${port.alertmanager}`, "--cluster.listen-address="],
      ),
      tmpfs: tmp,
      hostMounts: [],
      healthcheck: healthcheckFor(port.alertmanager, "/-/ready"),
    }),
    container("blackbox", "blackbox", {
      envs: [`SOPHIA_BLACKBOX_YML=${files.blackbox}`],
      secretEnvs: [{ env: TOKEN_ENVS.probe, token: "probe" }],
      command: writeThenExec(
        [
          { env: "SOPHIA_BLACKBOX_YML", path: `${ETC}/blackbox.yml` },
          { env: TOKEN_ENVS.probe, path: TOKEN_FILES.probe },
        ],
        ["prometheus-blackbox-exporter", `--config.file=${ETC}/blackbox.yml`, `--web.listen-address=:${port.blackbox}`],
      ),
      tmpfs: tmp,
      hostMounts: [],
      healthcheck: healthcheckFor(port.blackbox, "/-/healthy"),
    }),
    container("nodeExporter", "node-exporter", {
      envs: [],
      secretEnvs: [],
      command: ["prometheus-node-exporter", "--path.procfs=/host/proc", "--path.sysfs=/host/sys", `--web.listen-address=:${port.nodeExporter}`],
      tmpfs: tmp,
      hostMounts: NODE_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })),
      healthcheck: healthcheckFor(port.nodeExporter, "/"),
    }),
    container("alertLog", "alert-log", {
      envs: [`SOPHIA_ALERT_LOG_PORT=${port.alertLog}`],
      secretEnvs: [],
      command: ["node", "/app/alert-log.mjs"],
      tmpfs: tmp,
      hostMounts: [],
      healthcheck: healthcheckFor(port.alertLog, "/healthz"),
    }),
  ];
}
