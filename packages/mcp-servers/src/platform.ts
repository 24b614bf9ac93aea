// The MCP platform on one Docker runtime: a hardened container per enabled server, one Caddy
// ingress in front of them with per-client bearer tokens, and the Cursor config to reach it.
import * as path from "node:path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { buildLocalImage, type DataFilesystem, dataVolume, type DockerRuntime, type StatefulVolume } from "@sophia/docker-runtime";
import { backendKeyEnvName, EDGE_ADDR_ENV, type IngressSite, INTERNAL_ADDR_ENV, METRICS_TOKEN_ENV, MONITORING_ADDR_ENV, MONITORING_BASIC_ENV, MONITORING_TOKEN_ENV, MONITORING_VIEWER, renderCaddyfile } from "./caddyfile";
import { type ContainerSizing, MCP_SERVERS, type McpServerName } from "./catalog";
import { cpuLimit, healthcheckFor, HARDENING, type LogRetention, memoryLimit, serverContainerSpec, SERVER_KEY_ENV } from "./container-spec";
import { renderCursorMcpJson } from "./cursor-config";
import { DOCKER_READONLY_ALIAS, DOCKER_READONLY_PORT, renderDockerReadOnlyCaddyfile } from "./docker-readonly";
import { type ClientScope, CURSOR_CLIENT, tokenEnvName } from "./scopes";

/** Image build contexts: one directory per image, found from this module, not from the working directory. */
export const IMAGES_DIR = path.resolve(__dirname, "..", "images");
export const INGRESS_CONTAINER_PORT = 8080;
export const INGRESS_METRICS_PORT = 9180;
/** Where the ingress keeps its certificates (a named volume with TLS; the image makes it uid 65534's). */
export const CADDY_DATA_DIR = "/data";
/** Plain HTTP for clients on the internal network (agent runtimes); never published. */
export const INGRESS_INTERNAL_PORT = 8081;
/** The ingress's name on the internal network only: it looks itself up by it at start, to listen
 * there (and not on the edge network) with its internal site and metrics. */
export const INGRESS_INTERNAL_ALIAS = "ingress-mcp";
/** Its name on the monitoring network: how the probes and Prometheus reach its internal and metrics sites. */
export const INGRESS_MONITORING_ALIAS = "ingress-monitoring";
/** Its name on the edge network, where the internal site listens too when published on a fleet's private address. */
export const INGRESS_EDGE_ALIAS = "ingress-edge";
/** The ingress's size, measured like the servers' (see ContainerSizing). */
export const INGRESS_SIZING: ContainerSizing = { memoryMiB: 64, cpus: 0.5, measured: { peakMiB: 30, peakCpus: 0.33, by: "npm run bench:mcp (64 clients), 2026-11-25" } };

/** The platform's stateful volumes: each server's that keeps data (the memory store), and with TLS the
 * ingress's certificates and ACME account. The node's bootstrap makes their directories on a data
 * filesystem. */
/** A server's (or the ingress's) stateful volume. */
const dataVolumeName = (stack: string, owner: McpServerName | "ingress") => `sophia-${stack}-${owner}-data`;

export function mcpDataVolumes(stack: string, servers: readonly McpServerName[], tls: boolean): StatefulVolume[] {
  // Every server image and the ingress's run as HARDENING.user.
  const names = [...servers.filter((server) => MCP_SERVERS[server].writable.some((w) => w.persist)).map((server) => dataVolumeName(stack, server)), ...(tls ? [dataVolumeName(stack, "ingress")] : [])];
  return names.map((volumeName) => ({ volumeName, owner: HARDENING.user }));
}

export interface McpPlatformArgs {
  readonly runtime: DockerRuntime;
  readonly stack: string;
  /** BASE_IMAGE of every Dockerfile: the local debootstrapped image, or a pinned upstream one. */
  readonly baseImage: string;
  readonly servers: readonly McpServerName[];
  readonly scopes: readonly ClientScope[];
  /** Reads a secret from stack config (Gong credentials). */
  readonly secret: (configKey: string) => pulumi.Output<string> | undefined;
  readonly ingress: {
    readonly port: number;
    /** Address the port is published on: 127.0.0.1 locally, 0.0.0.0 on nodes (firewalled). */
    readonly publishIp: string;
    /** Host name for automatic HTTPS; undefined serves plain HTTP (local only). */
    readonly tlsHost?: string;
    /** Who signs its certificate: a public ACME CA (default) or Caddy's internal CA. */
    readonly tlsIssuer?: "acme" | "internal";
    /** On a fleet: the internal site is published on this node's private address (and only there),
     * for agent pools on other nodes, once the node's private network (`after`) is up. */
    readonly privateSite?: { readonly ip: string; readonly after: pulumi.Resource };
  };
  /** Servers that reach other nodes over the private network (sophia-ops, to the pools): they join
   * the runtime's fleet network. */
  readonly fleetServers?: readonly McpServerName[];
  readonly logs: LogRetention;
  /** Extra environment per server, set by the stack (sophia-ops gets the agent route table). */
  readonly serverEnv?: Partial<Record<McpServerName, Readonly<Record<string, string>>>>;
  /** Extra secret environment per server (sophia-ops gets the agent runtimes' API keys). */
  readonly serverSecretEnv?: Partial<Record<McpServerName, Readonly<Record<string, pulumi.Output<string>>>>>;
  /** protect: true on stateful resources (the ingress's certificates). */
  readonly protect?: boolean;
  /** Where the stateful volumes keep their data: the node's disk (absent), or this filesystem. */
  readonly dataFilesystem?: DataFilesystem;
  /** Monitoring UIs the public site serves under /monitoring/<name>/ to the monitoring token. */
  readonly monitoringUis?: IngressSite["monitoring"];
  /** sophia-ops's Pulumi engine reads this stack's state (issue 32): the file backend's directory on
   * the node, mounted read-only; its passphrase (secret); and the engine's socket, which it reaches
   * through the read-only proxy (./docker-readonly.ts). Absent: its Pulumi tools say there is none. */
  readonly opsEngine?: { readonly stateDir: string; readonly passphrase: pulumi.Output<string>; readonly dockerSocketPath: string };
}

function fleetNetwork(runtime: DockerRuntime, server: McpServerName) {
  if (!runtime.networks.fleet) throw new Error(`McpPlatform: fleetServers names ${server}, but the runtime has no fleet network (a fleet node's DockerRuntime has fleet: true)`);
  return runtime.networks.fleet;
}

export class McpPlatform extends pulumi.ComponentResource {
  readonly ingressUrl: pulumi.Output<string>;
  /** The same, as plain text (it is known before anything is created). */
  readonly publicUrl: string;
  /** The ingress as containers on the internal network reach it (same routes and tokens, plain HTTP). */
  readonly internalUrl: string;
  /** The same site as the monitoring network reaches it (the probes). */
  readonly monitoringUrl: string;
  /** The same site over the stack's private network, where it is published (a fleet). */
  readonly privateUrl?: string;
  /** The containers that must be healthy before anything that calls MCP servers starts. */
  readonly ready: pulumi.Resource[];
  /** `.cursor/mcp.json` for this deployment (no token inside). */
  readonly cursorMcpJson: pulumi.Output<string>;
  /** Bearer token per client, by client id; secret. */
  readonly tokens: pulumi.Output<Record<string, string>>;
  /** The bearer token Prometheus presents to scrape the ingress's metrics; secret. */
  readonly metricsToken: pulumi.Output<string>;
  /** The monitoring viewers' token (bearer, or basic auth as `viewer`), where UIs are served; secret. */
  readonly monitoringToken?: pulumi.Output<string>;

  constructor(name: string, args: McpPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:mcp:Platform", name, {}, opts);
    // Enabling a server without its credentials is a config error, reported before anything is registered.
    const secretValues = new Map<string, pulumi.Output<string>>();
    for (const s of args.servers.flatMap((server) => MCP_SERVERS[server].secrets.map((secret) => ({ server, ...secret })))) {
      const value = args.secret(s.configKey);
      if (!value) throw new pulumi.RunError(`stacks/Pulumi.${args.stack}.yaml: ${s.configKey}: MCP server ${s.server} is enabled and needs this secret (pulumi config set --secret ${s.configKey} <value> --stack ${args.stack}); got nothing`);
      secretValues.set(s.configKey, value);
    }
    const { runtime } = args;
    const child = { parent: this, provider: runtime.provider };
    const labels = { ...runtime.labels, "sophia.component": "mcp" };
    const stateful = { runtime, labels, filesystem: args.dataFilesystem, protect: args.protect, parent: this };
    const buildImage = (context: string) =>
      buildLocalImage(`${name}-${context}-image`, runtime, { imageName: `sophia/mcp-${context}:${args.stack}`, contextDir: path.join(IMAGES_DIR, context), baseImage: args.baseImage }, this).ref;

    const password = (id: string) => new random.RandomPassword(`${name}-${id}`, { length: 40, special: false }, { parent: this }).result;
    // Each server's own key: only the ingress presents it, so a server answers only what the ingress
    // authenticated, and no server can reach another as the ingress.
    const backendKeys = Object.fromEntries(args.servers.map((server) => [server, password(`backend-key-${server}`)]));
    // The ingress's image also runs the read-only Docker proxy of sophia-ops's engine (both are Caddy).
    const ingressImage = buildImage("ingress");
    const engine = args.opsEngine && args.servers.includes("sophia-ops") ? opsEngineParts(name, args, args.opsEngine, ingressImage, labels, child) : undefined;
    const servers = args.servers.map((serverName) => {
      const spec = MCP_SERVERS[serverName];
      const secretEnvs = [
        ...spec.secrets.map((s) => pulumi.secret(pulumi.interpolate`${s.env}=${secretValues.get(s.configKey)!}`)),
        pulumi.secret(pulumi.interpolate`${SERVER_KEY_ENV}=${backendKeys[serverName]!}`),
        ...Object.entries(args.serverSecretEnv?.[serverName] ?? {}).map(([k, v]) => pulumi.secret(pulumi.interpolate`${k}=${v}`)),
      ];
      const image = spec.image.kind === "dockerfile" ? buildImage(spec.image.context) : pulumi.output(spec.image.ref);
      const volumes = spec.writable
        .filter((w) => w.persist)
        .map((w) => ({ containerPath: w.path, volumeName: dataVolume(`${name}-${serverName}-data`, { ...stateful, volumeName: dataVolumeName(args.stack, serverName) }).name }));
      const container = serverContainerSpec(args.stack, spec, args.logs, labels);
      const withEngine = serverName === "sophia-ops" ? engine : undefined;
      return new docker.Container(
        `${name}-${serverName}`,
        {
          ...container,
          image,
          envs: [...container.envs, ...Object.entries(args.serverEnv?.[serverName] ?? {}).map(([k, v]) => `${k}=${v}`), ...secretEnvs, ...(withEngine?.envs ?? [])],
          volumes: [...volumes, ...(withEngine?.volumes ?? [])],
          labels: [...container.labels, ...(withEngine ? toLabels({ [EXCEPTION_LABEL]: "opsEngineState" }) : [])],
          ...(withEngine ? memoryLimit(OPS_ENGINE_SIZING.memoryMiB) : {}),
          // Its alias on the MCP network alone; the edge network only carries its way out.
          networksAdvanced: [
            { name: runtime.networks.mcp.name, aliases: [serverName] },
            ...(spec.egress ? [{ name: runtime.networks.edge.name }] : []),
            ...(args.fleetServers?.includes(serverName) ? [{ name: fleetNetwork(runtime, serverName).name }] : []),
            ...(withEngine ? [{ name: withEngine.network.name }] : []),
          ],
          // Pulumi waits until the health check passes: the ingress comes up after its servers.
          wait: true,
          waitTimeout: 120,
        },
        child,
      );
    });

    const tokens = Object.fromEntries(args.scopes.map((s) => [s.client, password(`token-${s.client}`)]));
    const metricsToken = password("metrics-token");
    const monitoringToken = args.monitoringUis?.length ? password("monitoring-token") : undefined;
    const scheme = args.ingress.tlsHost ? "https" : "http";
    const publicPort = args.ingress.port === 443 && args.ingress.tlsHost ? "" : `:${args.ingress.port}`;
    this.publicUrl = `${scheme}://${args.ingress.tlsHost ?? "127.0.0.1"}${publicPort}`;
    const caddyfile = renderCaddyfile(
      {
        port: INGRESS_CONTAINER_PORT,
        internalPort: INGRESS_INTERNAL_PORT,
        tlsHost: args.ingress.tlsHost,
        tlsIssuer: args.ingress.tlsIssuer,
        metricsPort: INGRESS_METRICS_PORT,
        internalOnEdge: args.ingress.privateSite !== undefined,
        publicUrl: this.publicUrl,
        monitoring: args.monitoringUis,
      },
      args.servers.map((server) => ({ server, upstream: `${server}:${MCP_SERVERS[server].port}` })),
      args.scopes,
    );
    const certificates = args.ingress.tlsHost ? dataVolume(`${name}-ingress-data`, { ...stateful, volumeName: dataVolumeName(args.stack, "ingress") }) : undefined;
    const ingress = new docker.Container(
      `${name}-ingress`,
      {
        name: `sophia-${args.stack}-ingress`,
        hostname: "ingress",
        image: ingressImage,
        ...HARDENING,
        capabilities: { drops: [...HARDENING.capabilities.drops] },
        securityOpts: [...HARDENING.securityOpts],
        // Docker refuses file uploads into a read-only container, so the Caddyfile (which holds no
        // secret, only {$TOKEN} placeholders) arrives as an environment variable and is written to
        // tmpfs. First the ingress finds its own address on the internal network; without one it
        // does not start (it would otherwise listen everywhere).
        command: [
          "sh",
          "-c",
          [
            `${INTERNAL_ADDR_ENV}=$(getent ahostsv4 ${INGRESS_INTERNAL_ALIAS} | head -n 1 | cut -d " " -f 1)`,
            `[ -n "$${INTERNAL_ADDR_ENV}" ] || { echo "ingress: no address on the internal network (${INGRESS_INTERNAL_ALIAS})" >&2; exit 1; }`,
            `${MONITORING_ADDR_ENV}=$(getent ahostsv4 ${INGRESS_MONITORING_ALIAS} | head -n 1 | cut -d " " -f 1)`,
            `[ -n "$${MONITORING_ADDR_ENV}" ] || { echo "ingress: no address on the monitoring network (${INGRESS_MONITORING_ALIAS})" >&2; exit 1; }`,
            ...(args.ingress.privateSite
              ? [
                  `${EDGE_ADDR_ENV}=$(getent ahostsv4 ${INGRESS_EDGE_ALIAS} | head -n 1 | cut -d " " -f 1)`,
                  `[ -n "$${EDGE_ADDR_ENV}" ] || { echo "ingress: no address on the edge network (${INGRESS_EDGE_ALIAS})" >&2; exit 1; }`,
                  `export ${EDGE_ADDR_ENV}`,
                ]
              : []),
            `export ${INTERNAL_ADDR_ENV} ${MONITORING_ADDR_ENV}`,
            'printf "%s" "$SOPHIA_CADDYFILE" >/tmp/Caddyfile',
            "exec caddy run --config /tmp/Caddyfile --adapter caddyfile",
          ].join(" && "),
        ],
        envs: [
          `SOPHIA_CADDYFILE=${caddyfile}`,
          // Caddy keeps certificates and its CA under $XDG_DATA_HOME/caddy and its autosaved config
          // under $XDG_CONFIG_HOME; as uid 65534 on a read-only root it has no home to default to.
          `XDG_DATA_HOME=${CADDY_DATA_DIR}`,
          "XDG_CONFIG_HOME=/config",
          ...Object.entries(tokens).map(([client, token]) => pulumi.secret(pulumi.interpolate`${tokenEnvName(client)}=${token}`)),
          ...Object.entries(backendKeys).map(([server, key]) => pulumi.secret(pulumi.interpolate`${backendKeyEnvName(server as McpServerName)}=${key}`)),
          pulumi.secret(pulumi.interpolate`${METRICS_TOKEN_ENV}=${metricsToken}`),
          ...(monitoringToken
            ? [
                pulumi.secret(pulumi.interpolate`${MONITORING_TOKEN_ENV}=${monitoringToken}`),
                pulumi.secret(monitoringToken.apply((t) => `${MONITORING_BASIC_ENV}=${Buffer.from(`${MONITORING_VIEWER}:${t}`).toString("base64")}`)),
              ]
            : []),
        ],
        // With TLS, /data is the certificates volume: they persist across restarts (ACME rate
        // limits); without TLS there is nothing to keep and a tmpfs is enough.
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m", "/config": "rw,noexec,nosuid,size=16m", ...(certificates ? {} : { "/data": "rw,noexec,nosuid,size=16m" }) },
        volumes: certificates ? [{ containerPath: CADDY_DATA_DIR, volumeName: certificates.name }] : [],
        ...memoryLimit(INGRESS_SIZING.memoryMiB),
        cpus: cpuLimit(INGRESS_SIZING.cpus),
        // The internal site answers in plain HTTP whether or not the public one serves TLS.
        healthcheck: healthcheckFor(INGRESS_INTERNAL_PORT, "/healthz", INGRESS_INTERNAL_ALIAS),
        logDriver: "json-file",
        logOpts: { "max-size": `${args.logs.maxSizeMiB}m`, "max-file": String(args.logs.maxFiles) },
        labels: toLabels({ ...labels, "sophia.mcp-ingress": "true" }),
        ports: [
          { internal: INGRESS_CONTAINER_PORT, external: args.ingress.port, ip: args.ingress.publishIp, protocol: "tcp" },
          ...(args.ingress.privateSite ? [{ internal: INGRESS_INTERNAL_PORT, external: INGRESS_INTERNAL_PORT, ip: args.ingress.privateSite.ip, protocol: "tcp" }] : []),
        ],
        networksAdvanced: [
          { name: runtime.networks.edge.name, ...(args.ingress.privateSite ? { aliases: [INGRESS_EDGE_ALIAS] } : {}) },
          { name: runtime.networks.mcp.name, aliases: [INGRESS_INTERNAL_ALIAS] },
          { name: runtime.networks.monitoring.name, aliases: [INGRESS_MONITORING_ALIAS] },
        ],
        wait: true,
        waitTimeout: 60,
      },
      { ...child, dependsOn: [...servers, ...(args.ingress.privateSite ? [args.ingress.privateSite.after] : [])] },
    );

    // Pools on other nodes: the internal site on this node's private address.
    this.privateUrl = args.ingress.privateSite && `http://${args.ingress.privateSite.ip}:${INGRESS_INTERNAL_PORT}`;
    this.ingressUrl = pulumi.output(this.publicUrl);
    // By its alias on the internal network alone: a container on the edge network too (an agent pool
    // that reaches a model API) resolves the container's host name, "ingress", to its edge address
    // (Docker 26 on a rehearsal node), where the internal site does not listen.
    this.internalUrl = `http://${INGRESS_INTERNAL_ALIAS}:${INGRESS_INTERNAL_PORT}`;
    this.monitoringUrl = `http://${INGRESS_MONITORING_ALIAS}:${INGRESS_INTERNAL_PORT}`;
    this.ready = [...servers, ingress];
    this.cursorMcpJson = this.ingressUrl.apply((url) => JSON.stringify(renderCursorMcpJson(url, args.scopes.find((s) => s.client === CURSOR_CLIENT)?.servers ?? []), null, 2) + "\n");
    this.tokens = pulumi.secret(pulumi.output(tokens));
    this.metricsToken = pulumi.secret(metricsToken);
    this.monitoringToken = monitoringToken && pulumi.secret(monitoringToken);
    this.registerOutputs({ ingressUrl: this.ingressUrl, cursorMcpJson: this.cursorMcpJson, tokens: this.tokens, metricsToken: this.metricsToken, monitoringToken: this.monitoringToken, ingress: ingress.name });
  }
}

/** The label a container claims a policy exception with (packages/policy/src/exceptions.ts). */
const EXCEPTION_LABEL = "sophia.exception";

/** Where the program in sophia-ops finds the state (read-only) and the engine's socket (its relay). */
export const OPS_STATE_DIR = "/state";

/**
 * What sophia-ops's engine needs beside its image: the read-only Docker proxy on a network of its own
 * (internal: no way out), and for the ops container the state mounted read-only, the backend and
 * passphrase, and the proxy's address for its socket relay.
 */
function opsEngineParts(name: string, args: McpPlatformArgs, engine: NonNullable<McpPlatformArgs["opsEngine"]>, image: pulumi.Output<string>, labels: Readonly<Record<string, string>>, child: pulumi.CustomResourceOptions) {
  const network = new docker.Network(`${name}-docker-readonly`, { name: `sophia-${args.stack}-docker-readonly`, internal: true, labels: toLabels(labels) }, child);
  new docker.Container(
    `${name}-docker-readonly`,
    {
      name: `sophia-${args.stack}-docker-readonly`,
      hostname: DOCKER_READONLY_ALIAS,
      image,
      ...HARDENING,
      // The socket is root's (mode 660): the proxy runs as uid 0, with no capability at all, so it
      // reaches the socket as its owner and nothing else as root.
      user: "0:0",
      capabilities: { drops: [...HARDENING.capabilities.drops] },
      securityOpts: [...HARDENING.securityOpts],
      // Docker refuses uploads into a read-only container: the Caddyfile arrives in the environment.
      command: ["sh", "-c", 'printf "%s" "$SOPHIA_CADDYFILE" >/tmp/Caddyfile && exec caddy run --config /tmp/Caddyfile --adapter caddyfile'],
      envs: [`SOPHIA_CADDYFILE=${renderDockerReadOnlyCaddyfile(engine.dockerSocketPath)}`, "XDG_DATA_HOME=/tmp", "XDG_CONFIG_HOME=/tmp"],
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
      volumes: [{ hostPath: engine.dockerSocketPath, containerPath: engine.dockerSocketPath }],
      ...memoryLimit(DOCKER_READONLY_SIZING.memoryMiB),
      cpus: cpuLimit(DOCKER_READONLY_SIZING.cpus),
      healthcheck: healthcheckFor(DOCKER_READONLY_PORT, "/_ping"),
      logDriver: "json-file",
      logOpts: { "max-size": `${args.logs.maxSizeMiB}m`, "max-file": String(args.logs.maxFiles) },
      labels: toLabels({ ...labels, "sophia.docker-readonly": "true", [EXCEPTION_LABEL]: "dockerReadOnlyProxy" }),
      networksAdvanced: [{ name: network.name, aliases: [DOCKER_READONLY_ALIAS] }],
      wait: true,
      waitTimeout: 60,
    },
    child,
  );
  return {
    network,
    envs: [
      `SOPHIA_STACK=${args.stack}`,
      `PULUMI_BACKEND_URL=file://${OPS_STATE_DIR}`,
      `SOPHIA_OPS_DOCKER_PROXY=${DOCKER_READONLY_ALIAS}:${DOCKER_READONLY_PORT}`,
      pulumi.secret(pulumi.interpolate`PULUMI_CONFIG_PASSPHRASE=${engine.passphrase}`),
    ],
    // The backend's .pulumi/ tree (Pulumi writes it world-readable) under a directory only its owner
    // may enter: mounted itself, it is readable by the server's unprivileged user, and nothing else is.
    volumes: [{ hostPath: `${engine.stateDir}/.pulumi`, containerPath: `${OPS_STATE_DIR}/.pulumi`, readOnly: true }],
  };
}

/** sophia-ops with a Pulumi engine: the server, the CLI, the program (node), the policy pack (node) and
 * the docker and random plugins at once. Its catalog size (the server and its plans) would have the
 * kernel kill the program in the middle of a preview --refresh. */
export const OPS_ENGINE_SIZING: ContainerSizing = {
  memoryMiB: 1344,
  cpus: MCP_SERVERS["sophia-ops"].sizing.cpus,
  measured: { peakMiB: 658, peakCpus: 0, by: "memory: a preview --refresh --diff --policy-pack of the local stack inside sophia-ops (the container's memory.max_usage_in_bytes), 2026-12-05; CPU not measured, the catalog's" },
};

/** The read-only Docker proxy: a Caddy passing a preview's reads (not measured under load yet; sized as the ingress). */
export const DOCKER_READONLY_SIZING: ContainerSizing = { memoryMiB: 64, cpus: 0.5, measured: { peakMiB: 0, peakCpus: 0, by: "not measured yet: sized as the ingress, the same Caddy" } };

function toLabels(labels: Readonly<Record<string, string>>): { label: string; value: string }[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}
