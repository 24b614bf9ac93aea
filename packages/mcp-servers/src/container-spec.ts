// Hardened container settings for an MCP server, as plain data (docker.ContainerArgs without
// Outputs), so tests read them directly and the smoke can apply every one of them to Docker.
import type { McpServerName, McpServerSpec } from "./catalog";

export interface LogRetention {
  readonly maxSizeMiB: number;
  readonly maxFiles: number;
}

/** The security defaults every server container gets; the tests assert each one. */
export const HARDENING = {
  user: "65534:65534",
  readOnly: true,
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  restart: "unless-stopped",
  networkMode: "bridge",
};

/** A memory cap with no swap. Docker stores swap as 2 × memory when it is left unset, which the
 * provider reads back as a difference on every `up`; saying it explicitly keeps a second `up` a no-op. */
export function memoryLimit(mib: number): { memory: number; memorySwap: number } {
  return { memory: mib, memorySwap: mib };
}

/** A CPU limit as the docker provider reads it back ("1.0", "0.5", "2.25"): written any other way
 * ("1"), every `up` sees a difference and replaces the container. */
export function cpuLimit(cpus: number): string {
  if (!Number.isFinite(cpus) || cpus <= 0) throw new Error(`cpuLimit: expected a positive number of CPUs; got ${cpus}`);
  const nanos = Math.round(cpus * 1e9);
  return nanos % 1e9 === 0 ? `${nanos / 1e9}.0` : String(nanos / 1e9);
}

export interface ContainerSpec {
  readonly name: string;
  readonly hostname: string;
  readonly user: string;
  readonly readOnly: boolean;
  readonly capabilities: { drops: string[] };
  readonly securityOpts: string[];
  readonly restart: string;
  readonly networkMode: string;
  readonly command: string[];
  readonly envs: string[];
  readonly memory: number;
  readonly memorySwap: number;
  readonly cpus: string;
  readonly tmpfs: Record<string, string>;
  readonly healthcheck: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  readonly logDriver: string;
  readonly logOpts: Record<string, string>;
  readonly labels: { label: string; value: string }[];
}

/** What the container runs: the server itself, or the bridge (src/bridge) in front of a stdio server.
 * Both serve MCP through the same stateless HTTP edge (src/http-edge.ts). */
export function serverCommand(spec: McpServerSpec): string[] {
  if (spec.transport.kind === "streamable-http") return ["node", "/app/server.js"];
  return ["node", "/app/bridge.js", "--port", String(spec.port), "--", ...spec.transport.command];
}

/** The variable every server reads the ingress's key from; it refuses a request whose X-API-Key is not
 * that key. The bridge keeps it from the stdio server it runs. */
export const SERVER_KEY_ENV = "SOPHIA_BACKEND_KEY";

/** The variable naming the server to itself: the `server` label of its metrics. */
export const SERVER_NAME_ENV = "SOPHIA_MCP_SERVER";

/** Every 2 s: Docker 20.10 (Debian's) has no faster checks while a container starts, and a restarted
 * container counts as healthy only from its first passing check, so this bounds recovery (the chaos
 * suite's target is healthy within 10 s). Five misses in a row make it unhealthy. */
export function healthcheckFor(port: number, path: string, host = "127.0.0.1"): ContainerSpec["healthcheck"] {
  return { tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://${host}:${port}${path}`], interval: "2s", timeout: "2s", retries: 5, startPeriod: "2s" };
}

/** A server's container name on its engine: what `docker exec` and the checklist address. */
export const serverContainerName = (stack: string, server: McpServerName) => `sophia-${stack}-${server}`;

/** A server's container, sized by the catalog (measured under load, with headroom). */
export function serverContainerSpec(stack: string, spec: McpServerSpec, logs: LogRetention, labels: Readonly<Record<string, string>>): ContainerSpec {
  const tmpfs = Object.fromEntries(spec.writable.filter((w) => !w.persist).map((w) => [w.path, "rw,noexec,nosuid,size=64m"]));
  return {
    name: serverContainerName(stack, spec.name),
    hostname: spec.name,
    ...HARDENING,
    capabilities: { drops: [...HARDENING.capabilities.drops] },
    securityOpts: [...HARDENING.securityOpts],
    command: serverCommand(spec),
    envs: [`${SERVER_NAME_ENV}=${spec.name}`, ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)],
    ...memoryLimit(spec.sizing.memoryMiB),
    cpus: cpuLimit(spec.sizing.cpus),
    tmpfs,
    healthcheck: healthcheckFor(spec.port, spec.healthPath),
    logDriver: "json-file",
    logOpts: { "max-size": `${logs.maxSizeMiB}m`, "max-file": String(logs.maxFiles) },
    labels: Object.entries({ ...labels, "sophia.mcp-server": spec.name }).map(([label, value]) => ({ label, value })),
  };
}
