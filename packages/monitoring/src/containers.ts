// The monitoring stack's containers as plain data (docker.ContainerArgs without Outputs), so tests read
// them directly and the smoke applies each to Docker: Prometheus, Alertmanager, blackbox-exporter,
// node-exporter, Telegraf (the container exporter), the alert log and, from upstream images, Grafana.
//
// Docker refuses file uploads into a read-only container, so every configuration file travels as an
// environment variable that the container's shell writes to its tmpfs before it starts the program
// (as the ingress does with its Caddyfile). Tokens arrive the same way, as secret variables, and reach
// the programs only as files (`credentials_file`, `url_file`, `__FILE`): never in a configuration file.
import * as path from "node:path";
import { isPrivateAddress } from "@sophia/private-network";
import type { StatefulVolume } from "@sophia/docker-runtime";
import { type ContainerSpec, cpuLimit, HARDENING, healthcheckFor, type LogRetention, memoryLimit } from "@sophia/mcp-servers";
import { DASHBOARD_FILE_NAME, grafanaProvisioning, platformDashboard } from "./dashboards";
import { NODE_JOB, renderAlertmanagerConfig, renderBlackboxConfig, renderPrometheusConfig, renderTelegrafConfig, type ScrapeJob } from "./prometheus-config";
import { type NodeCost, platformRules, renderRuleFile } from "./rules";
import { platformSlos } from "./slo";

/** The build contexts of the images made here: the Debian-package image of the programs (with
 * Telegraf built from its Go module), and the alert log. */
export const MONITORING_CONTEXT = path.resolve(__dirname, "..", "images", "monitoring");
export const ALERT_LOG_CONTEXT = path.resolve(__dirname, "..", "images", "alert-log");

export const MONITORING_PORTS = { prometheus: 9090, alertmanager: 9093, alertLog: 9095, nodeExporter: 9100, blackbox: 9115, containerExporter: 9273, grafana: 3000, gpuExporter: 9400 } as const;
export type MonitoringRole = keyof typeof MONITORING_PORTS;

/** Each container's name on the monitoring network. */
export const MONITORING_HOSTNAMES: Record<MonitoringRole, string> = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  alertLog: "alert-log",
  nodeExporter: "node-exporter",
  blackbox: "blackbox",
  containerExporter: "container-exporter",
  grafana: "grafana",
  gpuExporter: "gpu-exporter",
};

/**
 * Where the programs come from:
 * - `debian`: one image built on the stack's base image from Debian trixie's packages, with Telegraf
 *   built from its Go module (Debian has no container exporter). No registry is needed: the local
 *   stack and a rehearsal. Debian packages no Grafana, so there is none.
 * - `upstream`: each project's own image, pinned by digest (staging and production).
 * The alert log is this package's own program, built on the base image either way.
 */
export type MonitoringImageSource = "debian" | "upstream";

/** The upstream images, pinned by the digest of their multi-architecture index. Versions: the
 * current LTS or stable line of each, chosen to match the Debian packages' behaviour where it can. */
export const UPSTREAM_IMAGES: Record<Exclude<MonitoringRole, "alertLog">, string> = {
  prometheus: "prom/prometheus:v3.5.0@sha256:63805ebb8d2b3920190daf1cb14a60871b16fd38bed42b857a3182bc621f4996",
  alertmanager: "prom/alertmanager:v0.28.1@sha256:27c475db5fb156cab31d5c18a4251ac7ed567746a2483ff264516437a39b15ba",
  blackbox: "prom/blackbox-exporter:v0.27.0@sha256:a50c4c0eda297baa1678cd4dc4712a67fdea713b832d43ce7fcc5f9bea05094d",
  nodeExporter: "prom/node-exporter:v1.9.1@sha256:d00a542e409ee618a4edc67da14dd48c5da66726bbd5537ab2af9c1dfc442c8a",
  containerExporter: "telegraf:1.36.4@sha256:a8aa55493d7c2733bc38e32e67cbffc714747fff3f79a3c675960dc6d6470e22",
  grafana: "grafana/grafana:12.1.1@sha256:a1701c2180249361737a99a01bc770db39381640e4d631825d38ff4535efa47d",
  // The linux/amd64 manifest of 4.5.2-4.8.1-ubuntu22.04 (no index digest is recorded here): on an
  // arm64 node (GH200) the exporter is left out, with a warning.
  gpuExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.5.2-4.8.1-ubuntu22.04@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706",
};

/** The Telegraf release the Debian-package image builds, the same as the upstream image's. */
export const TELEGRAF_VERSION = "1.36.4";

/** Each program's executable, in the Debian image and in its upstream image. */
const PROGRAMS: Record<Exclude<MonitoringRole, "alertLog" | "grafana" | "gpuExporter">, Record<MonitoringImageSource, string>> = {
  prometheus: { debian: "prometheus", upstream: "/bin/prometheus" },
  alertmanager: { debian: "prometheus-alertmanager", upstream: "/bin/alertmanager" },
  blackbox: { debian: "prometheus-blackbox-exporter", upstream: "/bin/blackbox_exporter" },
  nodeExporter: { debian: "prometheus-node-exporter", upstream: "/bin/node_exporter" },
  containerExporter: { debian: "telegraf", upstream: "/usr/bin/telegraf" },
};

/** Memory and CPU limits per container. Measured so far only idle, on the deployed local stack
 * (`docker stats`, 2026-12-04): Prometheus 38 MiB, Alertmanager 17, the alert log 13, Telegraf 11,
 * blackbox-exporter 9, node-exporter 9; the limits leave room for 30 days of series and a burst of
 * queries, not yet measured under load. Grafana's and dcgm-exporter's are not measured (no image
 * here). */
export const MONITORING_SIZING: Record<MonitoringRole, { memoryMiB: number; cpus: number }> = {
  prometheus: { memoryMiB: 512, cpus: 0.5 },
  alertmanager: { memoryMiB: 64, cpus: 0.25 },
  alertLog: { memoryMiB: 64, cpus: 0.25 },
  nodeExporter: { memoryMiB: 64, cpus: 0.25 },
  blackbox: { memoryMiB: 64, cpus: 0.25 },
  containerExporter: { memoryMiB: 128, cpus: 0.25 },
  grafana: { memoryMiB: 256, cpus: 0.5 },
  gpuExporter: { memoryMiB: 512, cpus: 0.5 },
};

/** Where the programs read their secrets: files the container's shell writes from secret variables. */
export const TOKEN_FILES = {
  probe: "/tmp/secrets/probe-token",
  ingressMetrics: "/tmp/secrets/ingress-metrics-token",
  pageWebhook: "/tmp/secrets/page-webhook-url",
  ticketWebhook: "/tmp/secrets/ticket-webhook-url",
  grafanaAdmin: "/tmp/secrets/grafana-admin-password",
} as const;
export type MonitoringSecret = keyof typeof TOKEN_FILES;
/** The secret variables those files are written from. */
export const TOKEN_ENVS: Record<MonitoringSecret, string> = {
  probe: "SOPHIA_PROBE_TOKEN",
  ingressMetrics: "SOPHIA_INGRESS_METRICS_TOKEN",
  pageWebhook: "SOPHIA_PAGE_WEBHOOK_URL",
  ticketWebhook: "SOPHIA_TICKET_WEBHOOK_URL",
  grafanaAdmin: "SOPHIA_GRAFANA_ADMIN_PASSWORD",
};

/** Prometheus keeps its time series on a named volume; both images make the directory uid 65534's. */
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** Grafana's database (users, sessions) on a named volume, owned by Grafana's own uid in its image. */
export const GRAFANA_DATA_DIR = "/var/lib/grafana";
const GRAFANA_USER = "472:0";

/** Where each monitoring UI is served through the ingress's public site, under /monitoring/. */
export const MONITORING_UI_PATH = "/monitoring";

/**
 * The exceptions to the hardening the MCP servers get, written down here and visible in the plan:
 * - node-exporter reads the host's /proc and /sys, read-only, to report the node's CPU, memory, disks
 *   and network. It runs unprivileged, with every capability dropped, like the rest.
 * - Telegraf asks Docker's API for every container's state (restart count, OOM kill), memory and CPU,
 *   so it mounts Docker's socket, as uid 0, the socket's owner (still with every capability dropped).
 *   `:ro` does not make a socket read-only: whatever runs in this container can drive Docker, which
 *   is root on the node. What keeps that narrow: Telegraf's docker input only sends GETs; the
 *   container has no capability, a read-only root, and sits on the monitoring network alone, which
 *   no MCP server or agent reaches; and it mounts nothing else of the host. On the other nodes of a
 *   fleet (NodeExporters) it publishes its metrics port on the node's private address only, where
 *   what answers is Telegraf's Prometheus output (GET /metrics), not the socket.
 * - dcgm-exporter (NVIDIA's, GPU nodes, upstream images only) reads the GPUs through DCGM, which
 *   wants the NVIDIA runtime, the node's GPUs and CAP_SYS_ADMIN for its profiling counters; it runs
 *   as its image's root, with every other capability dropped.
 */
export const NODE_EXPORTER_HOST_MOUNTS = [
  { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
  { hostPath: "/sys", containerPath: "/host/sys", readOnly: true },
] as const;
export const DOCKER_SOCKET = "/var/run/docker.sock";
export const CONTAINER_EXPORTER_HOST_MOUNTS = [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET, readOnly: true }] as const;
const CONTAINER_EXPORTER_USER = "0:0";

/** The other nodes of a fleet that the platform node's monitoring watches over the stack's private
 * (WireGuard) network: their exporters (NodeExporters on each) and every agent pool's /health. */
export interface FleetTargets {
  /** The placement node id of the node monitoring runs on (its own exporters stay on the monitoring network). */
  readonly localNode: string;
  /** Every other node: its placement id, its private (WireGuard) address, and its GPUs. */
  readonly remoteNodes: readonly { readonly node: string; readonly address: string; readonly gpus: number }[];
  /** Every agent pool's health URL over the private network, e.g. http://10.210.8.1:7780/health. */
  readonly pools: readonly { readonly pool: string; readonly node: string; readonly url: string }[];
}

export interface MonitoringSpecArgs {
  readonly stack: string;
  readonly images: MonitoringImageSource;
  /** The MCP servers probed through the ingress. */
  readonly servers: readonly string[];
  /** Per server, the tools the latency SLO leaves out (the catalog's long-running ones). */
  readonly longRunningTools?: Readonly<Record<string, readonly string[]>>;
  /** The ingress's internal site, e.g. http://ingress-mcp:8081 (probes go to `<url>/<server>/mcp`). */
  readonly ingressInternalUrl: string;
  /** host:port of the ingress's metrics (Caddy's, behind their own token). */
  readonly ingressMetrics: string;
  /** The ingress's public URL: the monitoring UIs are served under `<url>/monitoring/<ui>/`. */
  readonly publicUrl: string;
  readonly scrapeIntervalSeconds: number;
  readonly retentionDays: number;
  /** The fleet's nodes and their prices (placement's), recorded as cost series. */
  readonly nodeCosts: readonly NodeCost[];
  /** This node's GPUs: with upstream images, dcgm-exporter reports them. */
  readonly gpus?: number;
  /** Pages and tickets go to the webhooks the stack's secrets name (read from files); without them,
   * to the alert log on this node. */
  readonly receivers?: "alert-log" | "webhooks";
  /** The rest of the fleet, watched over the private network; without it, this node alone. */
  readonly fleet?: FleetTargets;
  readonly logs: LogRetention;
  readonly labels: Readonly<Record<string, string>>;
  /** Prometheus's history copied to a persistent filesystem every `intervalSeconds` and restored from
   * it by a Prometheus whose local TSDB is empty (a replaced node). See prometheusWithSnapshots. */
  readonly snapshots?: { readonly intervalSeconds: number };
}

/** The exporters every watched node runs. */
export type ExporterRole = Extract<MonitoringRole, "nodeExporter" | "containerExporter" | "gpuExporter">;

/** What the exporters of one node are built from: the platform node's and every other node's alike. */
export type ExporterSpecArgs = Pick<MonitoringSpecArgs, "stack" | "images" | "gpus" | "scrapeIntervalSeconds" | "logs" | "labels">;

/** A monitoring container: the MCP servers' container settings with an entrypoint (upstream images
 * have their own, which a command would only add arguments to), its role, image, the secrets it is
 * given as variables, and the host mounts of the two exceptions above. */
export interface MonitoringContainerSpec extends Omit<ContainerSpec, "command" | "capabilities"> {
  readonly role: MonitoringRole;
  /** Every capability dropped; dcgm-exporter alone adds one back. */
  readonly capabilities: { drops: string[]; adds?: string[] };
  readonly entrypoints: string[];
  /** `build`: the image this component builds (Debian packages, or the alert log); else upstream. */
  readonly image: { readonly build: "monitoring" | "alert-log" } | { readonly upstream: string };
  /** Secret variables the component adds (name → which secret). */
  readonly secretEnvs: readonly { readonly env: string; readonly secret: MonitoringSecret }[];
  readonly hostMounts: readonly { readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean }[];
  /** A named volume for the program's data. */
  readonly dataDir?: string;
  /** A second volume, on the persistent filesystem, that Prometheus copies its snapshots to. */
  readonly snapshotDir?: string;
  /** The node's GPUs, through the NVIDIA runtime (dcgm-exporter). */
  readonly gpu?: { readonly runtime: "nvidia"; readonly deviceRequests: { driver: "nvidia"; count: number; capabilities: string[] }[] };
}

/** dcgm-exporter has only an upstream image: Debian packages none. */
const hasGpuExporter = (args: Pick<MonitoringSpecArgs, "images" | "gpus">) => args.images === "upstream" && (args.gpus ?? 0) > 0;

/** Refuses a fleet whose targets would scrape the wrong thing or nothing, naming the field. */
function checkFleet(fleet: FleetTargets): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new Error(`monitoring: fleet.${field}: expected ${expected}; got ${JSON.stringify(got)}`);
  };
  if (fleet.localNode === "") fail("localNode", "the placement id of the node monitoring runs on", fleet.localNode);
  const nodes = [fleet.localNode];
  fleet.remoteNodes.forEach((n, i) => {
    if (n.node === "" || nodes.includes(n.node)) fail(`remoteNodes[${i}].node`, `a placement id other than ${nodes.map((x) => JSON.stringify(x)).join(", ")}`, n.node);
    nodes.push(n.node);
    if (!isPrivateAddress(n.address)) fail(`remoteNodes[${i}].address`, "the node's private IPv4 address (its WireGuard address)", n.address);
    if (!Number.isInteger(n.gpus) || n.gpus < 0) fail(`remoteNodes[${i}].gpus`, "a whole number of GPUs, 0 or more", n.gpus);
  });
  const pools: string[] = [];
  fleet.pools.forEach((p, i) => {
    if (p.pool === "" || pools.includes(p.pool)) fail(`pools[${i}].pool`, "a pool name not used before", p.pool);
    pools.push(p.pool);
    if (!nodes.includes(p.node)) fail(`pools[${i}].node`, `one of the fleet's nodes (${nodes.join(", ")})`, p.node);
    if (!/^https?:\/\/[^/\s]+\/\S*$/.test(p.url)) fail(`pools[${i}].url`, "an http(s) URL of the pool's health endpoint, e.g. http://10.210.8.1:7780/health", p.url);
  });
}

/** Remote GPU nodes whose GPUs go unwatched, one line each for the stack to print as a warning:
 * with Debian-built images (the local stack, a rehearsal) there is no dcgm-exporter to run there. */
export function skippedGpuExporters(args: Pick<MonitoringSpecArgs, "images" | "fleet">): string[] {
  if (args.images === "upstream") return [];
  return (args.fleet?.remoteNodes ?? [])
    .filter((n) => n.gpus > 0)
    .map((n) => `monitoring: no GPU exporter on ${n.node} (${n.gpus} GPU${n.gpus === 1 ? "" : "s"}): images "${args.images}" have no dcgm-exporter, so its GPUs are not scraped`);
}

const ETC = "/tmp/etc";

/** What differs between the containers; the rest is the shared hardening. */
type Parts = Pick<MonitoringContainerSpec, "entrypoints" | "envs" | "secretEnvs" | "healthcheck"> & Partial<Pick<MonitoringContainerSpec, "hostMounts" | "user" | "dataDir" | "snapshotDir" | "capabilities" | "gpu">>;
type MakeContainer = (role: MonitoringRole, parts: Parts) => MonitoringContainerSpec;

/** `sh -c` that writes each variable's value to its file (tokens readable by the owner only), then
 * execs the program. */
export function writeThenExec(files: readonly { readonly env: string; readonly path: string }[], program: readonly string[]): string[] {
  return ["sh", "-c", [...writeFiles(files), `exec ${shellWords(program)}`].join(" && ")];
}

type ConfigFile = { readonly env: string; readonly path: string };

function writeFiles(files: readonly ConfigFile[]): string[] {
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.path)))];
  return ["umask 077", ...(dirs.length ? [`mkdir -p ${dirs.join(" ")}`] : []), ...files.map((f) => `printf "%s" "$${f.env}" >${f.path}`)];
}

const shellWords = (words: readonly string[]) => words.map((a) => (/^[\w./:=,-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");

/** The monitoring stack's volumes on a persistent filesystem (monitoring.ts creates them from the
 * specs; its test checks the two agree): Prometheus's snapshots and, where Grafana runs (upstream
 * images), its database. The node's bootstrap makes their directories, owned by their users. */
export function monitoringDataVolumes(stack: string, images: MonitoringImageSource): StatefulVolume[] {
  return [
    { volumeName: monitoringVolumeName(stack, MONITORING_HOSTNAMES.prometheus, "snapshots"), owner: HARDENING.user },
    ...(images === "upstream" ? [{ volumeName: monitoringVolumeName(stack, MONITORING_HOSTNAMES.grafana, "data"), owner: GRAFANA_USER }] : []),
  ];
}

/** A monitoring container's volume: its program's data, or (Prometheus) its snapshots. */
export function monitoringVolumeName(stack: string, hostname: string, holds: "data" | "snapshots"): string {
  return `sophia-${stack}-${hostname}-${holds}`;
}

/** Where Prometheus's snapshots go: a directory on the persistent filesystem. */
export const PROMETHEUS_SNAPSHOT_DIR = "/snapshots";

/**
 * Prometheus with its history kept on a persistent filesystem. Prometheus's docs refuse NFS for its
 * TSDB ("Non-POSIX compliant filesystems are not supported … NFS filesystems (including AWS's EFS) are
 * not supported"), so the TSDB stays on the node's disk, and every `intervalSeconds` the admin API's
 * snapshot (the head included) is copied to the filesystem:
 * - blocks are immutable: each is copied once, under a temporary name renamed when complete;
 * - `manifest` (written to a temporary file, then renamed) lists the newest snapshot's blocks, and
 *   only blocks it does not list are removed, after it is in place: a crash at any point leaves the
 *   previous snapshot whole;
 * - a Prometheus that starts with an empty TSDB (a new node) first copies the manifest's blocks in.
 * At most one interval of samples is lost with a node. The admin API is not served to viewers
 * (the ingress refuses /api/v1/admin/ on the monitoring route).
 */
export function prometheusWithSnapshots(
  files: readonly ConfigFile[],
  program: readonly string[],
  args: {
    readonly intervalSeconds: number;
    readonly source: MonitoringImageSource;
    /** Where the container has them; a test gives its own. */
    readonly paths?: { readonly data: string; readonly snapshots: string; readonly port: number };
  },
): string[] {
  const { data, snapshots, port } = args.paths ?? { data: PROMETHEUS_DATA_DIR, snapshots: PROMETHEUS_SNAPSHOT_DIR, port: MONITORING_PORTS.prometheus };
  const api = `http://127.0.0.1:${port}/api/v1/admin/tsdb/snapshot`;
  // The Debian image has curl; the upstream image only busybox's wget.
  const post = args.source === "debian" ? `curl -fsS -X POST ${api}` : `wget -q -O - --post-data= ${api}`;
  const script = [
    "set -e",
    ...writeFiles(files),
    `if [ -z "$(ls -A ${data})" ] && [ -f ${snapshots}/manifest ]; then`,
    `  while read -r id; do cp -a "${snapshots}/blocks/$id" ${data}/; done <${snapshots}/manifest`,
    `  echo "prometheus: empty local TSDB; restored $(wc -l <${snapshots}/manifest) block(s) of the snapshot taken $(cat ${snapshots}/taken) from the persistent filesystem" >&2`,
    "fi",
    `${shellWords([...program, "--web.enable-admin-api"])} &`,
    "pid=$!",
    "snapshot() {",
    `  name=$(${post} | sed -n 's/.*"name":"\\([^"]*\\)".*/\\1/p')`,
    '  [ -n "$name" ] || return 1',
    `  src=${data}/snapshots/$name`,
    `  mkdir -p ${snapshots}/blocks`,
    '  for block in "$src"/*; do',
    '    [ -d "$block" ] || continue',
    '    id=$(basename "$block")',
    `    [ -d "${snapshots}/blocks/$id" ] && continue`,
    `    rm -rf "${snapshots}/blocks/.tmp-$id" && cp -a "$block" "${snapshots}/blocks/.tmp-$id" && mv "${snapshots}/blocks/.tmp-$id" "${snapshots}/blocks/$id" || return 1`,
    "  done",
    `  ls "$src" >${snapshots}/.manifest.tmp && mv ${snapshots}/.manifest.tmp ${snapshots}/manifest`,
    `  date -u +%Y-%m-%dT%H:%M:%SZ >${snapshots}/.taken.tmp && mv ${snapshots}/.taken.tmp ${snapshots}/taken`,
    `  for block in ${snapshots}/blocks/*; do [ -d "$block" ] && ! grep -qx "$(basename "$block")" ${snapshots}/manifest && rm -rf "$block"; done`,
    '  rm -rf "$src"',
    "}",
    `( set +e; while sleep ${args.intervalSeconds}; do snapshot || echo "prometheus: the snapshot to the persistent filesystem failed; the previous one is kept" >&2; done ) &`,
    "loop=$!",
    // Stopped, Prometheus stops; ended either way, the snapshot loop ends with it (never an orphan).
    `trap 'kill -TERM $pid 2>/dev/null' TERM INT`,
    "status=0",
    "wait $pid || status=$?",
    // A trapped signal interrupts the first wait: wait for Prometheus to finish its shutdown.
    "while kill -0 $pid 2>/dev/null; do wait $pid || status=$?; done",
    "kill $loop 2>/dev/null || true",
    "exit $status",
  ];
  return ["sh", "-c", script.join("\n")];
}

/** A health check with the HTTP client each image has: curl in the Debian image, wget (busybox's or
 * Debian's) in the upstream ones. */
function healthcheck(source: MonitoringImageSource, port: number, urlPath: string): ContainerSpec["healthcheck"] {
  const curl = healthcheckFor(port, urlPath);
  return source === "debian" ? curl : { ...curl, tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${urlPath}`] };
}

const hostPort = (role: MonitoringRole) => `${MONITORING_HOSTNAMES[role]}:${MONITORING_PORTS[role]}`;

/** The UIs the ingress serves to monitoring viewers, under /monitoring/<name>/: Prometheus and
 * Alertmanager, and Grafana where it runs (upstream images), told the viewer's name. */
export function monitoringUis(images: MonitoringImageSource): { name: "prometheus" | "alertmanager" | "grafana"; upstream: string; viewerHeader?: string }[] {
  return [
    { name: "prometheus", upstream: hostPort("prometheus") },
    { name: "alertmanager", upstream: hostPort("alertmanager") },
    ...(images === "upstream" ? [{ name: "grafana" as const, upstream: hostPort("grafana"), viewerHeader: GRAFANA_USER_HEADER }] : []),
  ];
}

/** The URL a UI is reached at through the ingress. */
export const monitoringUiUrl = (publicUrl: string, ui: "prometheus" | "alertmanager" | "grafana") => `${publicUrl}${MONITORING_UI_PATH}/${ui}/`;

/** The configuration files, rendered from the SLOs and the stack's targets. */
export function monitoringFiles(args: MonitoringSpecArgs) {
  const { fleet } = args;
  if (fleet) checkFleet(fleet);
  const alertLog = `http://${hostPort("alertLog")}`;
  const receivers =
    args.receivers === "webhooks"
      ? { page: { urlFile: TOKEN_FILES.pageWebhook }, ticket: { urlFile: TOKEN_FILES.ticketWebhook } }
      : { page: { url: `${alertLog}/page` }, ticket: { url: `${alertLog}/ticket` } };
  const rules = renderRuleFile(platformRules(platformSlos(args.servers, args.longRunningTools), args.scrapeIntervalSeconds, args.nodeCosts, { fleet: fleet !== undefined }));
  // With a fleet, each exporter job lists this node's exporter on the monitoring network and every
  // other node's at its private address, each labelled with its node; without one, as it always was.
  const exporterJob = (job: string, role: ExporterRole, local: boolean, remote: readonly { node: string; address: string }[]): ScrapeJob[] => {
    if (!fleet) return local ? [{ job, targets: [hostPort(role)] }] : [];
    const groups = [...(local ? [{ targets: [hostPort(role)], labels: { node: fleet.localNode } }] : []), ...remote.map((n) => ({ targets: [`${n.address}:${MONITORING_PORTS[role]}`], labels: { node: n.node } }))];
    return groups.length > 0 ? [{ job, groups }] : [];
  };
  const remote = fleet?.remoteNodes ?? [];
  const jobs: ScrapeJob[] = [
    { job: "prometheus", targets: [`localhost:${MONITORING_PORTS.prometheus}`] },
    { job: "alertmanager", targets: [hostPort("alertmanager")] },
    { job: "blackbox", targets: [hostPort("blackbox")] },
    ...exporterJob(NODE_JOB, "nodeExporter", true, remote),
    ...exporterJob("containers", "containerExporter", true, remote),
    { job: "ingress", targets: [args.ingressMetrics], tokenFile: TOKEN_FILES.ingressMetrics },
    ...(args.images === "upstream" ? [{ job: "grafana", targets: [hostPort("grafana")] }] : []),
    ...exporterJob("gpu", "gpuExporter", hasGpuExporter(args), remote.filter((n) => hasGpuExporter({ images: args.images, gpus: n.gpus }))),
  ];
  const prometheus = renderPrometheusConfig({
    scrapeIntervalSeconds: args.scrapeIntervalSeconds,
    ruleFile: `${ETC}/rules.yml`,
    alertmanager: hostPort("alertmanager"),
    blackbox: hostPort("blackbox"),
    jobs,
    probes: args.servers.map((server) => ({ server, url: `${args.ingressInternalUrl}/${server}/mcp` })),
    serverMetrics: { target: args.ingressMetrics, tokenFile: TOKEN_FILES.ingressMetrics, servers: args.servers },
    ...(fleet ? { poolProbes: fleet.pools } : {}),
  });
  return {
    prometheus,
    rules,
    blackbox: renderBlackboxConfig(TOKEN_FILES.probe, fleet ? { httpHealth: true } : {}),
    alertmanager: renderAlertmanagerConfig({ ...receivers, groupWaitSeconds: 5 }),
    telegraf: telegrafConfig(args),
  };
}

const telegrafConfig = (args: Pick<MonitoringSpecArgs, "scrapeIntervalSeconds">) => renderTelegrafConfig({ port: MONITORING_PORTS.containerExporter, intervalSeconds: args.scrapeIntervalSeconds });

/** The hardened container of a role, as every node's monitoring builds it. */
function containerMaker(args: Pick<MonitoringSpecArgs, "stack" | "images" | "logs" | "labels">): MakeContainer {
  const source = args.images;
  const image = (role: MonitoringRole): MonitoringContainerSpec["image"] =>
    role === "alertLog" ? { build: "alert-log" } : source === "debian" ? { build: "monitoring" } : { upstream: UPSTREAM_IMAGES[role] };
  return (role, parts) => ({
    role,
    image: image(role),
    name: `sophia-${args.stack}-${MONITORING_HOSTNAMES[role]}`,
    hostname: MONITORING_HOSTNAMES[role],
    ...HARDENING,
    capabilities: { drops: [...HARDENING.capabilities.drops] },
    securityOpts: [...HARDENING.securityOpts],
    tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
    hostMounts: [],
    ...parts,
    ...memoryLimit(MONITORING_SIZING[role].memoryMiB),
    cpus: cpuLimit(MONITORING_SIZING[role].cpus),
    logDriver: "json-file",
    logOpts: { "max-size": `${args.logs.maxSizeMiB}m`, "max-file": String(args.logs.maxFiles) },
    labels: Object.entries({ ...args.labels, "sophia.component": "monitoring", "sophia.monitoring": role }).map(([label, value]) => ({ label, value })),
  });
}

/** A node's own exporters: node-exporter, Telegraf (containers) and, with upstream images on a node
 * with GPUs, dcgm-exporter. The platform node runs them within Monitoring; every other node of a
 * fleet runs the same specs through NodeExporters. */
export function exporterContainerSpecs(args: ExporterSpecArgs): MonitoringContainerSpec[] {
  const container = containerMaker(args);
  const source = args.images;
  const port = MONITORING_PORTS;
  const specs = [
    container("nodeExporter", {
      envs: [],
      secretEnvs: [],
      entrypoints: [PROGRAMS.nodeExporter[source], "--path.procfs=/host/proc", "--path.sysfs=/host/sys", `--web.listen-address=:${port.nodeExporter}`],
      hostMounts: NODE_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })),
      healthcheck: healthcheck(source, port.nodeExporter, "/"),
    }),
    container("containerExporter", {
      envs: [`SOPHIA_TELEGRAF_CONF=${telegrafConfig(args)}`],
      secretEnvs: [],
      entrypoints: writeThenExec([{ env: "SOPHIA_TELEGRAF_CONF", path: `${ETC}/telegraf.conf` }], [PROGRAMS.containerExporter[source], `--config=${ETC}/telegraf.conf`]),
      hostMounts: CONTAINER_EXPORTER_HOST_MOUNTS.map((m) => ({ ...m })),
      user: CONTAINER_EXPORTER_USER,
      healthcheck: healthcheck(source, port.containerExporter, "/metrics"),
    }),
  ];
  if (hasGpuExporter(args)) {
    specs.push(
      container("gpuExporter", {
        envs: [],
        secretEnvs: [],
        entrypoints: ["dcgm-exporter", `--address=:${port.gpuExporter}`],
        user: "0:0",
        capabilities: { drops: ["ALL"], adds: ["SYS_ADMIN"] },
        gpu: { runtime: "nvidia", deviceRequests: [{ driver: "nvidia", count: -1, capabilities: ["gpu"] }] },
        // Ubuntu's image has bash but no HTTP client: the health check is that the port answers.
        healthcheck: { ...healthcheckFor(port.gpuExporter, "/"), tests: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port.gpuExporter}`] },
      }),
    );
  }
  return specs;
}

/** Every container of the monitoring stack on one node. */
export function monitoringContainerSpecs(args: MonitoringSpecArgs): MonitoringContainerSpec[] {
  if (args.servers.length === 0) throw new Error("monitoringContainerSpecs: servers: expected at least one MCP server to probe; got none");
  const files = monitoringFiles(args);
  const source = args.images;
  const program = (role: keyof typeof PROGRAMS) => PROGRAMS[role][source];
  const container = containerMaker(args);
  const exporters = exporterContainerSpecs(args);
  const port = MONITORING_PORTS;
  const secret = (s: MonitoringSecret) => ({ env: TOKEN_ENVS[s], path: TOKEN_FILES[s] });
  const webhookSecrets: MonitoringSecret[] = args.receivers === "webhooks" ? ["pageWebhook", "ticketWebhook"] : [];
  const prometheusFiles = [{ env: "SOPHIA_PROMETHEUS_YML", path: `${ETC}/prometheus.yml` }, { env: "SOPHIA_RULES_YML", path: `${ETC}/rules.yml` }, secret("ingressMetrics")];
  const prometheusProgram = [
    program("prometheus"),
    `--config.file=${ETC}/prometheus.yml`,
    `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
    `--storage.tsdb.retention.time=${args.retentionDays}d`,
    `--web.listen-address=:${port.prometheus}`,
    // Links in its UI point through the ingress, which strips the prefix.
    `--web.external-url=${monitoringUiUrl(args.publicUrl, "prometheus")}`,
    "--web.route-prefix=/",
  ];
  const specs = [
    container("prometheus", {
      envs: [`SOPHIA_PROMETHEUS_YML=${files.prometheus}`, `SOPHIA_RULES_YML=${files.rules}`],
      secretEnvs: [{ env: TOKEN_ENVS.ingressMetrics, secret: "ingressMetrics" }],
      entrypoints: args.snapshots ? prometheusWithSnapshots(prometheusFiles, prometheusProgram, { intervalSeconds: args.snapshots.intervalSeconds, source }) : writeThenExec(prometheusFiles, prometheusProgram),
      healthcheck: healthcheck(source, port.prometheus, "/-/ready"),
      dataDir: PROMETHEUS_DATA_DIR,
      ...(args.snapshots ? { snapshotDir: PROMETHEUS_SNAPSHOT_DIR } : {}),
    }),
    container("alertmanager", {
      envs: [`SOPHIA_ALERTMANAGER_YML=${files.alertmanager}`],
      secretEnvs: webhookSecrets.map((s) => ({ env: TOKEN_ENVS[s], secret: s })),
      // One Alertmanager per stack: no cluster to gossip with.
      entrypoints: writeThenExec(
        [{ env: "SOPHIA_ALERTMANAGER_YML", path: `${ETC}/alertmanager.yml` }, ...webhookSecrets.map(secret)],
        [
          program("alertmanager"),
          `--config.file=${ETC}/alertmanager.yml`,
          "--storage.path=/tmp/alertmanager",
          `--web.listen-address=:${port.alertmanager}`,
          `--web.external-url=${monitoringUiUrl(args.publicUrl, "alertmanager")}`,
          "--web.route-prefix=/",
          "--cluster.listen-address=",
        ],
      ),
      healthcheck: healthcheck(source, port.alertmanager, "/-/ready"),
    }),
    container("blackbox", {
      envs: [`SOPHIA_BLACKBOX_YML=${files.blackbox}`],
      secretEnvs: [{ env: TOKEN_ENVS.probe, secret: "probe" }],
      entrypoints: writeThenExec([{ env: "SOPHIA_BLACKBOX_YML", path: `${ETC}/blackbox.yml` }, secret("probe")], [program("blackbox"), `--config.file=${ETC}/blackbox.yml`, `--web.listen-address=:${port.blackbox}`]),
      healthcheck: healthcheck(source, port.blackbox, "/-/healthy"),
    }),
    // The node's own exporters, in the order they always had.
    ...exporters.filter((e) => e.role !== "gpuExporter"),
    container("alertLog", {
      envs: [`SOPHIA_ALERT_LOG_PORT=${port.alertLog}`],
      secretEnvs: [],
      entrypoints: ["node", "/app/alert-log.mjs"],
      healthcheck: healthcheck("debian", port.alertLog, "/healthz"),
    }),
  ];
  if (source === "upstream") specs.push(grafanaContainer(args, container));
  specs.push(...exporters.filter((e) => e.role === "gpuExporter"));
  return specs;
}

/** Grafana, from its upstream image: this stack's Prometheus as its datasource and the platform
 * dashboard, both provisioned read-only from generated files; viewers signed in by the ingress, which
 * has checked their monitoring token and names them in a header it alone sets (auth proxy); the admin
 * password a secret file; no plugin downloads, no usage reports. */
function grafanaContainer(args: MonitoringSpecArgs, container: MakeContainer): MonitoringContainerSpec {
  const provisioning = "/tmp/grafana/provisioning";
  const dashboards = "/tmp/grafana/dashboards";
  const provisioned = grafanaProvisioning(dashboards, `http://${hostPort("prometheus")}`);
  return container("grafana", {
    envs: [
      `SOPHIA_GRAFANA_DATASOURCES=${provisioned.datasources}`,
      `SOPHIA_GRAFANA_DASHBOARDS=${provisioned.dashboards}`,
      `SOPHIA_GRAFANA_DASHBOARD=${JSON.stringify(platformDashboard())}`,
      `GF_PATHS_PROVISIONING=${provisioning}`,
      `GF_PATHS_DATA=${GRAFANA_DATA_DIR}`,
      `GF_SERVER_HTTP_PORT=${MONITORING_PORTS.grafana}`,
      `GF_SERVER_ROOT_URL=${monitoringUiUrl(args.publicUrl, "grafana")}`,
      `GF_SECURITY_ADMIN_PASSWORD__FILE=${TOKEN_FILES.grafanaAdmin}`,
      "GF_AUTH_PROXY_ENABLED=true",
      `GF_AUTH_PROXY_HEADER_NAME=${GRAFANA_USER_HEADER}`,
      "GF_AUTH_PROXY_AUTO_SIGN_UP=true",
      "GF_USERS_AUTO_ASSIGN_ORG_ROLE=Viewer",
      "GF_AUTH_DISABLE_LOGIN_FORM=true",
      "GF_PLUGINS_PREINSTALL_DISABLED=true",
      "GF_ANALYTICS_REPORTING_ENABLED=false",
      "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
      "GF_LOG_MODE=console",
    ],
    secretEnvs: [{ env: TOKEN_ENVS.grafanaAdmin, secret: "grafanaAdmin" }],
    entrypoints: writeThenExec(
      [
        { env: "SOPHIA_GRAFANA_DATASOURCES", path: `${provisioning}/datasources/sophia.yml` },
        { env: "SOPHIA_GRAFANA_DASHBOARDS", path: `${provisioning}/dashboards/sophia.yml` },
        { env: "SOPHIA_GRAFANA_DASHBOARD", path: `${dashboards}/${DASHBOARD_FILE_NAME}` },
        { env: TOKEN_ENVS.grafanaAdmin, path: TOKEN_FILES.grafanaAdmin },
      ],
      // The image's own launcher, which reads the GF_PATHS_* above.
      ["/run.sh"],
    ),
    user: GRAFANA_USER,
    healthcheck: healthcheck("upstream", MONITORING_PORTS.grafana, "/api/health"),
    dataDir: GRAFANA_DATA_DIR,
  });
}

/** The header the ingress names a signed-in monitoring viewer in (and removes from every request
 * first, so no client can claim a name). */
export const GRAFANA_USER_HEADER = "X-Sophia-Viewer";
