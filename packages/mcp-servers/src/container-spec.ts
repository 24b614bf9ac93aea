// Hardened container settings for an MCP server, as plain data (docker.ContainerArgs without
// Outputs), so tests read them directly and the smoke can apply every one of them to Docker.
import { EDGE_LIMITS } from "./caddyfile";
import type { McpServerSpec } from "./catalog";

export interface ContainerLimits {
  readonly memoryMiB: number;
  readonly cpus: number;
}

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

/** What the container runs: the server itself, or mcp-proxy in front of a stdio server.
 *
 * mcp-proxy runs stateless: every request stands alone, so there is no session to leak when a client
 * goes away without DELETE, none to lose when the server restarts ("Session not found"), and no
 * long-lived GET stream (it answers GET with 405, which MCP clients accept). Its body limit matches
 * the ingress's. */
export function serverCommand(spec: McpServerSpec): string[] {
  if (spec.transport.kind === "streamable-http") return ["node", "/app/server.js"];
  return [
    "node",
    "/app/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs",
    "--port",
    String(spec.port),
    "--host",
    "0.0.0.0",
    "--server",
    "stream",
    "--stateless",
    "--no-eventStore",
    "--maxBodySize",
    String(EDGE_LIMITS.maxBodyBytes),
    "--",
    ...spec.transport.command,
  ];
}

/** The variable a server reads the ingress's key from: mcp-proxy's --apiKey (yargs reads MCP_PROXY_*
 * from the environment, so the key is never on a command line), or this repo's own servers' setting.
 * Either refuses a request whose X-API-Key is not that key. */
export function serverKeyEnv(spec: McpServerSpec): string {
  return spec.transport.kind === "stdio" ? "MCP_PROXY_API_KEY" : "SOPHIA_BACKEND_KEY";
}

export function healthcheckFor(port: number, path: string, host = "127.0.0.1"): ContainerSpec["healthcheck"] {
  return { tests: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://${host}:${port}${path}`], interval: "5s", timeout: "3s", retries: 5, startPeriod: "2s" };
}

export function serverContainerSpec(
  stack: string,
  spec: McpServerSpec,
  limits: ContainerLimits,
  logs: LogRetention,
  labels: Readonly<Record<string, string>>,
): ContainerSpec {
  const tmpfs = Object.fromEntries(spec.writable.filter((w) => !w.persist).map((w) => [w.path, "rw,noexec,nosuid,size=64m"]));
  return {
    name: `sophia-${stack}-${spec.name}`,
    hostname: spec.name,
    ...HARDENING,
    capabilities: { drops: [...HARDENING.capabilities.drops] },
    securityOpts: [...HARDENING.securityOpts],
    command: serverCommand(spec),
    envs: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    ...memoryLimit(limits.memoryMiB),
    cpus: cpuLimit(limits.cpus),
    tmpfs,
    healthcheck: healthcheckFor(spec.port, spec.healthPath),
    logDriver: "json-file",
    logOpts: { "max-size": `${logs.maxSizeMiB}m`, "max-file": String(logs.maxFiles) },
    labels: Object.entries({ ...labels, "sophia.mcp-server": spec.name }).map(([label, value]) => ({ label, value })),
  };
}
