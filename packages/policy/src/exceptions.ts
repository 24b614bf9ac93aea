// The allowlisted exceptions to the container rules, each with why. A container claims one by its
// `sophia.exception` label, or by its `sophia.monitoring` label (the monitoring stack's exporters). A
// change here shows in a pull request's diff like any other; the rules refuse everything else.

export interface ContainerException {
  /** Capabilities it may add back after dropping ALL. */
  readonly capabilities?: readonly string[];
  /** Host paths it may mount (read-only, except Docker's socket, which no mode makes read-only). */
  readonly hostMounts?: readonly string[];
  /** Host paths it may mount read-only, where the path is the deploying machine's own (a clone's). */
  readonly hostMountPatterns?: readonly RegExp[];
  readonly why: string;
}

export const ALLOWED_EXCEPTIONS: Readonly<Record<string, ContainerException>> = {
  nodeExporter: { hostMounts: ["/proc", "/sys"], why: "node-exporter reads the host's /proc and /sys, read-only, to report the node's CPU, memory, disks and network" },
  containerExporter: { hostMounts: ["/var/run/docker.sock"], why: "Telegraf reads every container's state, restarts and OOM kills from Docker's API; it only sends GETs, has no capability and no port" },
  gpuExporter: { capabilities: ["SYS_ADMIN"], why: "dcgm-exporter needs CAP_SYS_ADMIN for DCGM's profiling counters" },
  dockerReadOnlyProxy: {
    hostMounts: ["/var/run/docker.sock"],
    why: "sophia-ops's engine reaches Docker only through this Caddy, which passes the reads a preview or refresh makes and answers 403 to every write, exec, archive, export and log (packages/mcp-servers/src/docker-readonly.ts)",
  },
  opsEngineState: {
    hostMountPatterns: [/\/\.pulumi-local\/state\/\.pulumi$/],
    why: "sophia-ops's engine reads the local stack's file backend (its .pulumi/ tree), read-only, for previews, drift, outputs and history; it never writes it",
  },
};
