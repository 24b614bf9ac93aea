// Every policy both ways, with a violating and a compliant resource. There is no official test helper,
// so the arguments are built the way @pulumi/policy's server builds them (server.js): type, props
// (secrets unwrapped for a validation, wrapped in Secret for a remediation), urn, name, opts. The
// review's path (the pure rules over Secret-wrapped mock-mode values) is tested beside it.
import { Secret } from "@pulumi/policy";
import { MCP_SERVERS, serverContainerSpec } from "@sophia/mcp-servers";
// The runtime's own wrapper of a resource's properties (it throws on values unknown in a preview);
// internal to @pulumi/policy, used here so the rules meet the same Proxy the runtime hands them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as { unknownCheckingProxy: <T>(props: T) => T };
import { fromRuntime, sophiaPolicies } from "./pack";
import { evaluatePolicies, type PolicyResource, RESOURCE_RULES, STACK_RULES } from "./rules";

const CONTAINER = "docker:index/container:Container";

function runtimeArgs(type: string, name: string, props: Record<string, unknown>, { stack = "production", protect = false } = {}) {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:${stack}::sophia::${type}::${name}`,
    name,
    opts: { protect, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason}`);
    },
  };
}

const policies = sophiaPolicies();

/** What a policy of the pack reports for one resource, called as the runtime calls it. */
function validate(policyName: string, type: string, props: Record<string, unknown>, options?: { stack?: string; protect?: boolean }): string[] {
  const policy = policies.find((p) => p.name === policyName);
  if (!policy || !("validateResource" in policy) || typeof policy.validateResource !== "function") throw new Error(`no resource policy ${policyName} in the pack`);
  const violations: string[] = [];
  void policy.validateResource(runtimeArgs(type, "r", props, options) as never, (message) => violations.push(message));
  return violations;
}

function validateStack(policyName: string, resources: { type: string; name: string; props: Record<string, unknown> }[], stack = "production"): string[] {
  const policy = policies.find((p) => p.name === policyName);
  if (!policy || !("validateStack" in policy) || !policy.validateStack) throw new Error(`no stack policy ${policyName}`);
  const violations: string[] = [];
  void policy.validateStack({ resources: resources.map((r) => ({ ...runtimeArgs(r.type, r.name, r.props, { stack }), dependencies: [], propertyDependencies: {} })), getConfig: () => ({}) } as never, (message) => violations.push(message));
  return violations;
}

/** A container exactly as the platform registers its memory server (its spec, plus the key the
 * platform adds), so the compliant side is the real hardening, not a copy of it. */
const hardened = (): Record<string, unknown> => {
  const spec = serverContainerSpec("production", MCP_SERVERS.memory, { maxSizeMiB: 10, maxFiles: 2 }, { "sophia.stack": "production" });
  return { ...spec, image: "sha256:0123", envs: [...spec.envs, "SOPHIA_BACKEND_KEY=k-1234567890abcdef"] };
};

describe.each<[string, (p: Record<string, unknown>) => Record<string, unknown>, RegExp]>([
  ["container-not-privileged", (p) => ({ ...p, privileged: true }), /privileged: true/],
  ["container-no-new-privileges", (p) => ({ ...p, securityOpts: [] }), /no-new-privileges:true/],
  ["container-capabilities-dropped", (p) => ({ ...p, capabilities: { drops: ["NET_RAW"] } }), /expected \["ALL"\]/],
  ["container-capabilities-dropped", (p) => ({ ...p, capabilities: { drops: ["ALL"], adds: ["NET_ADMIN"] } }), /NET_ADMIN is in no allowlisted exception/],
  ["container-memory-limit", (p) => ({ ...p, memory: undefined }), /memory: expected a limit/],
  ["container-read-only-root", (p) => ({ ...p, readOnly: false }), /readOnly: expected true/],
  ["container-health-check", (p) => ({ ...p, healthcheck: undefined }), /healthcheck: expected a test/],
  ["container-restart-policy", (p) => ({ ...p, restart: "no" }), /restart: expected/],
  ["container-no-docker-socket", (p) => ({ ...p, volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }] }), /Docker's socket/],
  ["container-host-mounts-allowlisted", (p) => ({ ...p, volumes: [{ hostPath: "/etc", containerPath: "/host/etc", readOnly: true }] }), /host path \/etc is in no allowlisted exception/],
  ["container-no-host-network", (p) => ({ ...p, networkMode: "host" }), /networkMode: host/],
])("%s", (policy, violate, message) => {
  test("refuses a violating container", () => expect(validate(policy, CONTAINER, violate(hardened()))).toEqual([expect.stringMatching(message)]));
  test("accepts the hardened container", () => expect(validate(policy, CONTAINER, hardened())).toEqual([]));
});

test("the allowlisted exceptions, and only for the container that claims them: node-exporter's /proc and /sys read-only, Telegraf's socket, dcgm-exporter's SYS_ADMIN", () => {
  const role = (name: string) => ({ labels: [{ label: "sophia.monitoring", value: name }] });
  const proc = { volumes: [{ hostPath: "/proc", containerPath: "/host/proc", readOnly: true }] };
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...role("nodeExporter"), ...proc })).toEqual([]);
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...role("nodeExporter"), volumes: [{ hostPath: "/proc", containerPath: "/host/proc", readOnly: false }] })).toEqual([expect.stringMatching(/must be mounted read-only/)]);
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...role("blackbox"), ...proc })).toEqual([expect.stringMatching(/no allowlisted exception/)]);
  const socket = { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true }] };
  expect(validate("container-no-docker-socket", CONTAINER, { ...hardened(), ...role("containerExporter"), ...socket })).toEqual([]);
  expect(validate("container-no-docker-socket", CONTAINER, { ...hardened(), ...role("nodeExporter"), ...socket })).toHaveLength(1);
  const sysAdmin = { capabilities: { drops: ["ALL"], adds: ["SYS_ADMIN"] } };
  expect(validate("container-capabilities-dropped", CONTAINER, { ...hardened(), ...role("gpuExporter"), ...sysAdmin })).toEqual([]);
  expect(validate("container-capabilities-dropped", CONTAINER, { ...hardened(), ...role("grafana"), ...sysAdmin })).toHaveLength(1);
});

test("sophia-ops's exceptions, claimed by sophia.exception: its proxy's socket, and its engine's read-only view of the local file backend (any clone's path, nothing else)", () => {
  const claim = (name: string) => ({ labels: [{ label: "sophia.exception", value: name }] });
  const socket = { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] };
  expect(validate("container-no-docker-socket", CONTAINER, { ...hardened(), ...claim("dockerReadOnlyProxy"), ...socket })).toEqual([]);
  expect(validate("container-no-docker-socket", CONTAINER, { ...hardened(), ...claim("opsEngineState"), ...socket })).toHaveLength(1);
  const state = (hostPath: string, readOnly: boolean) => ({ volumes: [{ hostPath, containerPath: "/state/.pulumi", readOnly }] });
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...claim("opsEngineState"), ...state("/home/dev/sophia/.pulumi-local/state/.pulumi", true) })).toEqual([]);
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...claim("opsEngineState"), ...state("/home/dev/sophia/.pulumi-local/state/.pulumi", false) })).toEqual([expect.stringMatching(/must be mounted read-only/)]);
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...claim("opsEngineState"), ...state("/home/dev/.ssh", true) })).toEqual([expect.stringMatching(/no allowlisted exception/)]);
  expect(validate("container-host-mounts-allowlisted", CONTAINER, { ...hardened(), ...state("/home/dev/sophia/.pulumi-local/state/.pulumi", true) })).toEqual([expect.stringMatching(/no allowlisted exception/)]);
});

describe("no-plaintext-secret-env", () => {
  const view = (envs: unknown): PolicyResource => ({ type: CONTAINER, name: "c", urn: "urn:pulumi:staging::sophia::x::c", props: { ...hardened(), envs }, protect: false });
  const rule = RESOURCE_RULES.find((r) => r.name === "no-plaintext-secret-env")!;

  test("the review refuses a secret-looking variable in plain text, and accepts it as a Pulumi secret, in a secret list, or as a file name", () => {
    expect(rule.check(view(["SOPHIA_MCP_TOKEN_CURSOR=abc123", "OPENAI_API_KEY=sk-1"]))).toEqual([expect.stringContaining("SOPHIA_MCP_TOKEN_CURSOR"), expect.stringContaining("OPENAI_API_KEY")]);
    expect(rule.check(view(["SOPHIA_MCP_SERVER=memory", new Secret("SOPHIA_MCP_TOKEN_CURSOR=abc123")]))).toEqual([]);
    expect(rule.check(view(new Secret(["SOPHIA_MCP_TOKEN_CURSOR=abc123"])))).toEqual([]);
    expect(rule.check(view(["GF_SECURITY_ADMIN_PASSWORD__FILE=/tmp/secrets/grafana-admin-password"]))).toEqual([]);
  });

  test("the pack, whose validations see no secretness, remediates instead: a plain value becomes a secret, a secret stays as it is", () => {
    const policy = policies.find((p) => p.name === "no-plaintext-secret-env")!;
    expect(policy.enforcementLevel).toBe("remediate");
    const remediate = (policy as { remediateResource: (args: unknown) => { envs: unknown[] } | undefined }).remediateResource;
    const fixed = remediate(runtimeArgs(CONTAINER, "c", { ...hardened(), envs: ["SOPHIA_MCP_SERVER=memory", "SOPHIA_MCP_TOKEN_CURSOR=abc123"] }));
    expect(fixed!.envs[0]).toBe("SOPHIA_MCP_SERVER=memory");
    expect(fixed!.envs[1]).toEqual(new Secret("SOPHIA_MCP_TOKEN_CURSOR=abc123"));
    expect(remediate(runtimeArgs(CONTAINER, "c", { ...hardened(), envs: ["SOPHIA_MCP_SERVER=memory", new Secret("SOPHIA_MCP_TOKEN_CURSOR=abc123")] }))).toBeUndefined();
  });
});

describe("staging and production only", () => {
  const pinned = "prom/prometheus:v3.5.0@sha256:63805ebb8d2b3920190daf1cb14a60871b16fd38bed42b857a3182bc621f4996";
  test("images-pinned-by-digest: a pulled image or a build's base named by tag is refused on staging, not on local", () => {
    expect(validate("images-pinned-by-digest", "docker:index/remoteImage:RemoteImage", { name: "prom/prometheus:v3.5.0" }, { stack: "staging" })).toEqual([expect.stringMatching(/not pinned by digest/)]);
    expect(validate("images-pinned-by-digest", "docker:index/remoteImage:RemoteImage", { name: pinned }, { stack: "staging" })).toEqual([]);
    expect(validate("images-pinned-by-digest", "docker:index/image:Image", { build: { args: { BASE_IMAGE: "debian:trixie-slim" } } }, { stack: "production" })).toEqual([expect.stringMatching(/BASE_IMAGE/)]);
    expect(validate("images-pinned-by-digest", "docker:index/image:Image", { build: { args: { BASE_IMAGE: "sophia/base:trixie" } } }, { stack: "local" })).toEqual([]);
  });

  test("ssh-not-open-to-the-world: port 22 from 0.0.0.0/0 is refused; from an operators' network it is not", () => {
    const rules = (source: string) => ({ rules: [{ protocol: "tcp", port_range: [22, 22], source_network: source }] });
    expect(validate("ssh-not-open-to-the-world", "pulumi-nodejs:dynamic/lambda:FirewallRules", rules("0.0.0.0/0"), { stack: "staging" })).toEqual([expect.stringMatching(/opens SSH to the world/)]);
    expect(validate("ssh-not-open-to-the-world", "pulumi-nodejs:dynamic/lambda:FirewallRules", rules("203.0.113.0/24"), { stack: "staging" })).toEqual([]);
  });

  test("ingress-tls: an ingress whose Caddyfile turns automatic HTTPS off is refused on production; one with a TLS site is not", () => {
    const ingress = (caddyfile: string) => ({ ...hardened(), labels: [{ label: "sophia.mcp-ingress", value: "true" }], envs: [`SOPHIA_CADDYFILE=${caddyfile}`] });
    expect(validate("ingress-tls", CONTAINER, ingress("{\n\tauto_https off\n}\n:8443 {\n}"))).toEqual([expect.stringMatching(/without TLS/)]);
    expect(validate("ingress-tls", CONTAINER, ingress("{\n\thttps_port 443\n}\nmcp.example.com:443 {\n}"))).toEqual([]);
    expect(validate("ingress-tls", CONTAINER, ingress("{\n\tauto_https off\n}"), { stack: "local" })).toEqual([]);
  });

  test("stateful resources: an unprotected volume or instance is refused on production and only reported on staging", () => {
    expect(validate("stateful-resources-protected", "docker:index/volume:Volume", { name: "v" })).toEqual([expect.stringMatching(/not protected/)]);
    expect(validate("stateful-resources-protected", "docker:index/volume:Volume", { name: "v" }, { protect: true })).toEqual([]);
    expect(validate("stateful-resources-protected", "pulumi-nodejs:dynamic/lambda:Instance", {}, { stack: "staging" })).toEqual([]);
    expect(validate("stateful-resources-protected-staging", "pulumi-nodejs:dynamic/lambda:Instance", {}, { stack: "staging" })).toEqual([expect.stringMatching(/not protected/)]);
    expect(policies.find((p) => p.name === "stateful-resources-protected-staging")!.enforcementLevel).toBe("advisory");
  });
});

describe("stack policies", () => {
  const ingress = { type: CONTAINER, name: "ingress", props: { ...hardened(), labels: [{ label: "sophia.mcp-ingress", value: "true" }], ports: [{ internal: 8443, external: 443 }] } };
  const monitoring = { type: "sophia:monitoring:Stack", name: "production-monitoring", props: {} };
  test("monitoring-present: a stack without the monitoring component is refused", () => {
    expect(validateStack("monitoring-present", [ingress])).toEqual([expect.stringMatching(/no sophia:monitoring:Stack/)]);
    expect(validateStack("monitoring-present", [ingress, monitoring])).toEqual([]);
  });
  test("mcp-servers-behind-ingress: a server publishing its own port is refused; the ingress alone may", () => {
    const exposed = { type: CONTAINER, name: "memory", props: { ...hardened(), ports: [{ internal: 8080, external: 8080 }] } };
    expect(validateStack("mcp-servers-behind-ingress", [ingress, monitoring, exposed])).toEqual([expect.stringMatching(/memory publishes/)]);
    expect(validateStack("mcp-servers-behind-ingress", [ingress, monitoring, { ...exposed, props: hardened() }])).toEqual([]);
    // A fleet's agent pools and exporters publish on the node's private (WireGuard) address only.
    const privatePort = { ...exposed, name: "agents", props: { ...hardened(), ports: [{ internal: 7777, external: 7778, ip: "10.211.8.1" }] } };
    expect(validateStack("mcp-servers-behind-ingress", [ingress, monitoring, privatePort])).toEqual([]);
    const everywhere = { ...privatePort, props: { ...hardened(), ports: [{ internal: 7777, external: 7778, ip: "10.211.8.1" }, { internal: 7777, external: 7779, ip: "0.0.0.0" }] } };
    expect(validateStack("mcp-servers-behind-ingress", [ingress, monitoring, everywhere])).toEqual([expect.stringMatching(/agents publishes 1 port\(s\) beyond a private address/)]);
  });
});

test("every rule has a name, a description and an enforcement level, and the pack has one policy per rule", () => {
  for (const rule of [...RESOURCE_RULES, ...STACK_RULES]) {
    expect(rule.name).toMatch(/^[a-z0-9-]+$/);
    expect(rule.description.length).toBeGreaterThan(10);
    expect(["mandatory", "advisory"]).toContain(rule.enforcementLevel);
  }
  expect(policies.map((p) => p.name).sort()).toEqual([...RESOURCE_RULES, ...STACK_RULES].map((r) => r.name).sort());
  // The review's path: the key a secret, as mock mode marks it; only the stack rule misses something.
  const reviewed = { ...hardened(), envs: ["SOPHIA_MCP_SERVER=memory", new Secret("SOPHIA_BACKEND_KEY=k-1234567890abcdef")] };
  expect(evaluatePolicies([fromRuntime(runtimeArgs(CONTAINER, "ok", reviewed))]).filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy)).toEqual(["monitoring-present"]);
});
