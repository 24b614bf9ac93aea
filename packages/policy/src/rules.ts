// The platform's policies as pure functions over a resource as Pulumi's policy runtime shows it: its
// type, name, URN, input properties (secret values wrapped in @pulumi/policy's Secret) and whether
// it is protected. The pack (src/pack.ts) hands them to @pulumi/policy for `pulumi preview
// --policy-pack`; the review (packages/review) runs the same functions over mock-mode resources.
import { Secret } from "@pulumi/policy";
import * as ipaddr from "ipaddr.js";
import { ALLOWED_EXCEPTIONS, type ContainerException } from "./exceptions";

export type EnforcementLevel = "mandatory" | "advisory";

/** One resource, as the policy runtime hands it to a resource policy. */
export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
}

export interface ResourceRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  /** The violations of one resource, as messages; none when it complies or the rule does not apply. */
  readonly check: (resource: PolicyResource) => string[];
}

export interface StackRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly check: (resources: readonly PolicyResource[]) => { message: string; urn?: string }[];
}

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const IMAGE = "docker:index/image:Image";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
const INSTANCE = "pulumi-nodejs:dynamic/lambda:Instance";
const FIREWALL = "pulumi-nodejs:dynamic/lambda:FirewallRules";
export const MONITORING_STACK = "sophia:monitoring:Stack";

/** The stack a resource belongs to, from its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOf(urn: string): string {
  return urn.split("::")[0]!.split(":")[2] ?? "";
}

/** A value with its secret wrapper taken off: a policy may read secrets; it must not print them. */
export function reveal(value: unknown): unknown {
  return value instanceof Secret ? value.value : value;
}

/** The items of a list property. The runtime hands properties behind a Proxy (it throws on values
 * unknown during preview), and Array methods that build a new array through it break a Proxy
 * invariant (TypeError on `prototype`); reading by index does not. */
/** A port published on a private or loopback address only (a fleet node's WireGuard address): no
 * one outside the node and its private network reaches it. No address means every address. */
function onPrivateAddress(port: unknown): boolean {
  const ip = (port as { ip?: unknown }).ip;
  return typeof ip === "string" && ipaddr.isValid(ip) && ["private", "loopback"].includes(ipaddr.parse(ip).range());
}

export function items(value: unknown): unknown[] {
  const list = reveal(value);
  if (!Array.isArray(list)) return [];
  return Array.from({ length: list.length }, (_, i) => list[i] as unknown);
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|_KEY(_|$)|CREDENTIAL|PRIVATE)/i;

function labels(props: PolicyResource["props"]): Record<string, string> {
  return Object.fromEntries((items(props.labels) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}

/** The label a container claims an allowlisted exception with (or its monitoring role). */
export const EXCEPTION_LABEL = "sophia.exception";

/** The allowlisted exception a container claims, by its exception label or its monitoring role. */
function exceptionOf(props: PolicyResource["props"]): (ContainerException & { role: string }) | undefined {
  const role = labels(props)[EXCEPTION_LABEL] ?? labels(props)["sophia.monitoring"];
  const exception = role ? ALLOWED_EXCEPTIONS[role] : undefined;
  return exception && role ? { ...exception, role } : undefined;
}

/** Environment entries, each with whether it is a secret (the whole list may be one). */
function envEntries(props: PolicyResource["props"]): { name: string; value: string; secret: boolean }[] {
  const whole = props.envs instanceof Secret;
  return items(props.envs).map((entry) => {
    const secret = whole || entry instanceof Secret;
    const text = String(reveal(entry));
    const at = text.indexOf("=");
    return { name: at < 0 ? text : text.slice(0, at), value: at < 0 ? "" : text.slice(at + 1), secret };
  });
}

/** Environment entries whose name looks like a secret and whose value is plain text (…_FILE names a
 * file and is fine). */
export function secretLookingPlainEnvs(props: PolicyResource["props"]): { name: string }[] {
  return envEntries(props).filter((e) => SECRET_NAME.test(e.name) && !/_FILE$/.test(e.name) && e.value !== "" && !e.secret);
}

export const SECRET_ENV_RULE: ResourceRule = {
  name: "no-plaintext-secret-env",
  description: "An environment variable whose name looks like a secret holds a Pulumi secret, or names a file (…_FILE).",
  enforcementLevel: "mandatory",
  check: (r) => (r.type === CONTAINER ? secretLookingPlainEnvs(r.props).map((e) => `envs: ${e.name} looks like a secret and its value is in plain text; pass it with pulumi.secret()`) : []),
};

const onlyContainers = (check: (props: PolicyResource["props"], r: PolicyResource) => string[]) => (r: PolicyResource) => (r.type === CONTAINER ? check(r.props, r) : []);
const remoteEnvironments = (r: PolicyResource) => ["staging", "production"].includes(stackOf(r.urn));

export const RESOURCE_RULES: readonly ResourceRule[] = [
  {
    name: "container-not-privileged",
    description: "No container runs privileged.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (reveal(p.privileged) === true ? ["privileged: true gives the container every device and capability of the node"] : [])),
  },
  {
    name: "container-no-new-privileges",
    description: "Every container sets no-new-privileges, so no setuid binary gains rights.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => ((items(p.securityOpts) as string[]).includes("no-new-privileges:true") ? [] : ["securityOpts: expected no-new-privileges:true"])),
  },
  {
    name: "container-capabilities-dropped",
    description: "Every container drops every capability; one may add back only what an allowlisted exception names, with why.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => {
      const caps = (reveal(p.capabilities) as { drops?: unknown; adds?: unknown } | undefined) ?? {};
      const drops = items(caps.drops) as string[];
      const allowed = exceptionOf(p)?.capabilities ?? [];
      const violations = drops.includes("ALL") ? [] : [`capabilities.drops: expected ["ALL"]; got ${JSON.stringify(drops)}`];
      const extra = (items(caps.adds) as string[]).filter((c) => !allowed.includes(c));
      if (extra.length) violations.push(`capabilities.adds: ${extra.join(", ")} is in no allowlisted exception (packages/policy/src/exceptions.ts)`);
      return violations;
    }),
  },
  {
    name: "container-memory-limit",
    description: "Every container has a memory limit.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (Number(reveal(p.memory) ?? 0) > 0 ? [] : ["memory: expected a limit in MiB; got none"])),
  },
  {
    name: "container-read-only-root",
    description: "Every container's root filesystem is read-only (the catalog gives every server tmpfs or a volume for what it writes).",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (reveal(p.readOnly) === true ? [] : ["readOnly: expected true"])),
  },
  {
    name: "container-health-check",
    description: "Every container has a health check.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (items((reveal(p.healthcheck) as { tests?: unknown } | undefined)?.tests).length > 0 ? [] : ["healthcheck: expected a test; got none"])),
  },
  {
    name: "container-restart-policy",
    description: "Every container restarts by itself after a crash.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (["unless-stopped", "always", "on-failure"].includes(String(reveal(p.restart))) ? [] : [`restart: expected unless-stopped, always or on-failure; got ${JSON.stringify(reveal(p.restart) ?? "no")}`])),
  },
  {
    name: "container-no-docker-socket",
    description: "No container mounts Docker's socket (root on the node), unless an allowlisted exception says why.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => {
      const mounts = (items(p.volumes) as { hostPath?: string }[]).filter((v) => v.hostPath?.endsWith("docker.sock"));
      const allowed = exceptionOf(p)?.hostMounts ?? [];
      return mounts.filter((m) => !allowed.includes(m.hostPath!)).map((m) => `volumes: ${m.hostPath} is Docker's socket, and no allowlisted exception names it for this container`);
    }),
  },
  {
    name: "container-host-mounts-allowlisted",
    description: "A container mounts nothing of the host unless an allowlisted exception names the path, read-only.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => {
      const exception = exceptionOf(p);
      const allowed = (hostPath: string) => (exception?.hostMounts ?? []).includes(hostPath) || (exception?.hostMountPatterns ?? []).some((pattern) => pattern.test(hostPath));
      return (items(p.volumes) as { hostPath?: string; readOnly?: boolean }[])
        .filter((v) => v.hostPath !== undefined && !v.hostPath.endsWith("docker.sock"))
        .flatMap((v) => (!allowed(v.hostPath!) ? [`volumes: host path ${v.hostPath} is in no allowlisted exception`] : v.readOnly ? [] : [`volumes: host path ${v.hostPath} must be mounted read-only`]));
    }),
  },
  {
    name: "container-no-host-network",
    description: "No container shares the node's network namespace.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p) => (reveal(p.networkMode) === "host" ? ["networkMode: host puts the container on every address of the node"] : [])),
  },
  SECRET_ENV_RULE,
  {
    name: "images-pinned-by-digest",
    description: "Staging and production: every pulled image and every build's base image is pinned by digest.",
    enforcementLevel: "mandatory",
    check: (r) => {
      if (!remoteEnvironments(r)) return [];
      if (r.type === REMOTE_IMAGE && !DIGEST.test(String(reveal(r.props.name)))) return [`name: ${String(reveal(r.props.name))} is not pinned by digest (@sha256:…)`];
      const base = (reveal(r.props.build) as { args?: Record<string, string> } | undefined)?.args?.BASE_IMAGE;
      if (r.type === IMAGE && base !== undefined && !DIGEST.test(base)) return [`build.args.BASE_IMAGE: ${base} is not pinned by digest (@sha256:…)`];
      return [];
    },
  },
  {
    name: "ssh-not-open-to-the-world",
    description: "Staging and production: no firewall rule opens SSH (port 22) to 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    check: (r) => {
      if (r.type !== FIREWALL || !remoteEnvironments(r)) return [];
      const rules = items(r.props.rules) as { port_range?: unknown; source_network?: string; protocol?: string }[];
      return rules
        .filter((x) => {
          const [from = 1, to = 65535] = items(x.port_range) as number[];
          return x.source_network === "0.0.0.0/0" && x.protocol !== "icmp" && from <= 22 && to >= 22;
        })
        .map((x) => `rules: ${x.protocol} ${JSON.stringify(items(x.port_range))} from ${x.source_network} opens SSH to the world`);
    },
  },
  {
    name: "ingress-tls",
    description: "Staging and production: the MCP ingress serves TLS.",
    enforcementLevel: "mandatory",
    check: onlyContainers((p, r) => {
      if (!remoteEnvironments(r) || labels(p)["sophia.mcp-ingress"] !== "true") return [];
      const caddyfile = envEntries(p).find((e) => e.name === "SOPHIA_CADDYFILE")?.value ?? "";
      return caddyfile.includes("auto_https off") || caddyfile === "" ? ["envs: SOPHIA_CADDYFILE serves the public site without TLS (auto_https off)"] : [];
    }),
  },
  {
    name: "stateful-resources-protected",
    description: "Production: volumes and Lambda instances are protected, so a stray destroy cannot remove them.",
    enforcementLevel: "mandatory",
    check: (r) => ([VOLUME, INSTANCE].includes(r.type) && stackOf(r.urn) === "production" && !r.protect ? [`${r.type.split(":").pop()} ${r.name} is not protected`] : []),
  },
  {
    name: "stateful-resources-protected-staging",
    description: "Staging: volumes and Lambda instances unprotected is reported, not refused (staging is cheap and torn down by design).",
    enforcementLevel: "advisory",
    check: (r) => ([VOLUME, INSTANCE].includes(r.type) && stackOf(r.urn) === "staging" && !r.protect ? [`${r.type.split(":").pop()} ${r.name} is not protected`] : []),
  },
];

export const STACK_RULES: readonly StackRule[] = [
  {
    name: "monitoring-present",
    description: "Every environment runs the monitoring stack.",
    enforcementLevel: "mandatory",
    check: (resources) => (resources.some((r) => r.type === MONITORING_STACK) ? [] : [{ message: `no ${MONITORING_STACK} in this stack: every environment is monitored` }]),
  },
  {
    name: "mcp-servers-behind-ingress",
    description: "Only the ingress publishes a port where anyone can reach it; everything else is reached through it, or on a node's private (WireGuard) address.",
    enforcementLevel: "mandatory",
    check: (resources) =>
      resources
        .filter((r) => r.type === CONTAINER && labels(r.props)["sophia.mcp-ingress"] !== "true")
        .map((r) => ({ r, open: items(r.props.ports).filter((p) => !onPrivateAddress(p)) }))
        .filter(({ open }) => open.length > 0)
        .map(({ r, open }) => ({ message: `${r.name} publishes ${open.length} port(s) beyond a private address; only the ingress may, so everything else is reached through it or over the private network`, urn: r.urn })),
  },
];

export interface Verdict {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly resource: string;
  readonly message: string;
}

/** Every rule over every resource, as the review reports them. */
export function evaluatePolicies(resources: readonly PolicyResource[]): Verdict[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return [
    ...resources.flatMap((r) => RESOURCE_RULES.flatMap((rule) => rule.check(r).map((message) => ({ policy: rule.name, enforcementLevel: rule.enforcementLevel, resource: `${r.type} ${r.name}`, message })))),
    ...STACK_RULES.flatMap((rule) =>
      rule.check(resources).map((v) => {
        const r = v.urn ? byUrn.get(v.urn) : undefined;
        return { policy: rule.name, enforcementLevel: rule.enforcementLevel, resource: r ? `${r.type} ${r.name}` : "(stack)", message: v.message };
      }),
    ),
  ];
}
