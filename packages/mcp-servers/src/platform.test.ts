// The MCP platform's pure parts and its component in mock mode: hardening, scopes, the Caddyfile
// and the Cursor config (which must never hold a token).
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import { BACKEND_KEY_HEADER, backendKeyEnvName, EDGE_LIMITS, renderCaddyfile } from "./caddyfile";
import { MCP_SERVERS, sizeFromPeak } from "./catalog";
import { HARDENING, serverCommand, serverContainerSpec } from "./container-spec";
import { renderCursorMcpJson } from "./cursor-config";
import { INGRESS_SIZING, McpPlatform } from "./platform";
import { clientScopes, tokenEnvName } from "./scopes";
import { upAllowed } from "./ops/server";

const categories = {
  infrastructure: { mcpServers: ["sophia-ops" as const] },
  "business-intelligence": { mcpServers: ["gong" as const, "memory" as const] },
};

test("every server container runs non-root, read-only, with all capabilities dropped, no-new-privileges and a restart policy", () => {
  for (const spec of Object.values(MCP_SERVERS)) {
    const c = serverContainerSpec("t", spec, { maxSizeMiB: 10, maxFiles: 2 }, {});
    expect(c).toMatchObject({ user: "65534:65534", readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"], restart: "unless-stopped", networkMode: "bridge" });
    expect(JSON.stringify(c)).not.toContain("docker.sock");
    expect(c.memory).toBe(spec.sizing.memoryMiB);
  }
  expect(HARDENING.networkMode).not.toBe("host");
});

test("every measured size follows from its measurement by the one rule (twice the memory peak, 1.5× the CPU peak)", () => {
  for (const sizing of [...Object.values(MCP_SERVERS).map((s) => s.sizing), INGRESS_SIZING]) {
    if (sizing.measured.peakMiB === 0) continue; // not measured: says why in the catalog
    expect({ memoryMiB: sizing.memoryMiB, cpus: sizing.cpus }).toEqual(sizeFromPeak(sizing.measured.peakMiB, sizing.measured.peakCpus));
    expect(sizing.measured.by).toMatch(/^npm run bench:mcp/);
  }
  expect(sizeFromPeak(100, 0.7)).toEqual({ memoryMiB: 224, cpus: 1.25 });
});

test("scopes follow the category library; cursor reaches every enabled server; disabled servers are in no scope", () => {
  expect(clientScopes(categories, ["sophia-ops", "memory"])).toEqual([
    { client: "cursor", servers: ["sophia-ops", "memory"] },
    { client: "infrastructure", servers: ["sophia-ops"] },
    { client: "business-intelligence", servers: ["memory"] },
  ]);
  expect(tokenEnvName("business-intelligence")).toBe("SOPHIA_MCP_TOKEN_BUSINESS_INTELLIGENCE");
});

test("a category-only server (gong) is in the scope of the categories that list it, and not in cursor's", () => {
  expect(clientScopes(categories, ["sophia-ops", "memory", "gong"], ["gong"])).toEqual([
    { client: "cursor", servers: ["sophia-ops", "memory"] },
    { client: "infrastructure", servers: ["sophia-ops"] },
    { client: "business-intelligence", servers: ["gong", "memory"] },
  ]);
});

test("the Caddyfile routes each server, answers 401 and 403 by scope, streams unbuffered, and holds no token value", () => {
  const scopes = clientScopes(categories, ["sophia-ops", "memory"]);
  const text = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, publicUrl: "http://127.0.0.1:8443" }, [{ server: "sophia-ops", upstream: "sophia-ops:8080" }, { server: "memory", upstream: "memory:8080" }], scopes);
  expect(text).toContain('respond @anonymous "missing or unknown bearer token" 401');
  expect(text).toContain('respond @outOfScope "token not allowed to use memory" 403');
  expect(text).toMatch(/handle_path \/memory\/\* \{\n\t\t\t@outOfScope \{\n\t\t\t\tnot \{\n\t\t\t\t\theader Authorization "Bearer \{\$SOPHIA_MCP_TOKEN_CURSOR\}"\n\t\t\t\t\theader Authorization "Bearer \{\$SOPHIA_MCP_TOKEN_BUSINESS_INTELLIGENCE\}"\n/);
  // Answers are plain JSON (src/http-edge.ts); Caddy 2.6's immediate flushing cut about one in 4,000 short.
  expect(text).not.toContain("flush_interval");
  expect(text).toContain("auto_https off");
  expect(text).not.toMatch(/Bearer [A-Za-z0-9]{20,}/);
});

test("both sites (public and internal) import the same routes; TLS takes the public site's host and port", () => {
  const scopes = clientScopes(categories, ["memory"]);
  const text = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, tlsHost: "mcp.example.com", publicUrl: "https://mcp.example.com:8080" }, [{ server: "memory", upstream: "memory:8080" }], scopes);
  expect(text).toContain("mcp.example.com:8080 {\n\timport mcp_routes\n}");
  expect(text).toContain("http://:8081 {\n\tbind {$SOPHIA_INTERNAL_ADDR} {$SOPHIA_MONITORING_ADDR}\n\timport mcp_routes\n}");
  expect(text).toContain("https_port 8080");
  expect(text).not.toContain("auto_https off");
});

test("the ingress names the authenticated client to the servers, after dropping whatever the client sent", () => {
  const text = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, publicUrl: "http://127.0.0.1:8443" }, [], clientScopes(categories, ["memory"]));
  const drop = text.indexOf("request_header -X-Sophia-Client");
  const set = text.indexOf("request_header @client_business_intelligence X-Sophia-Client business-intelligence");
  expect(drop).toBeGreaterThan(text.indexOf("respond @anonymous"));
  expect(set).toBeGreaterThan(drop);
  expect(text).toContain('@client_business_intelligence header Authorization "Bearer {$SOPHIA_MCP_TOKEN_BUSINESS_INTELLIGENCE}"');
});

test("no client credential passes the ingress: each server gets its own key instead of the client's token", () => {
  const text = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, publicUrl: "http://127.0.0.1:8443" }, [{ server: "sophia-ops", upstream: "sophia-ops:8080" }, { server: "memory", upstream: "memory:8080" }], clientScopes(categories, ["sophia-ops", "memory"]));
  for (const server of ["sophia-ops", "memory"] as const) {
    const block = text.slice(text.indexOf(`handle_path /${server}/*`), text.indexOf("\n\t\t}\n", text.indexOf(`handle_path /${server}/*`)));
    expect(block).toContain("header_up -Authorization");
    expect(block).toContain(`header_up ${BACKEND_KEY_HEADER} {$${backendKeyEnvName(server)}}`);
  }
  expect(backendKeyEnvName("sophia-ops")).toBe("SOPHIA_BACKEND_KEY_SOPHIA_OPS");
});

test("the edge: a deadline for headers and bodies, 411/413 before any body is read, foreign Origin and Host refused, metrics behind a token and the internal address", () => {
  const text = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, publicUrl: "http://127.0.0.1:8443" }, [{ server: "memory", upstream: "memory:8080" }], clientScopes(categories, ["memory"]));
  expect(text).toContain(`read_header ${EDGE_LIMITS.readHeaderSeconds}s`);
  expect(text).toContain(`read_body ${EDGE_LIMITS.readBodySeconds}s`);
  expect(text).toContain('respond @unsized "Content-Length required" 411');
  expect(text).toContain(`respond @tooLarge "request body over ${EDGE_LIMITS.maxBodyBytes} bytes" 413`);
  expect(text.indexOf("respond @tooLarge")).toBeLessThan(text.indexOf("reverse_proxy"));
  expect(text).toContain("not header Origin http://127.0.0.1:8443");
  // Its own route, ahead of the routes: a bare `respond` would run after them (Caddy's directive order).
  expect(text).toContain(':8080 {\n\troute {\n\t\t@foreignHost not host 127.0.0.1 localhost\n\t\trespond @foreignHost "unexpected Host" 421\n\t}\n\timport mcp_routes\n}');
  expect(text).toMatch(/:9180 \{\n\tbind \{\$SOPHIA_INTERNAL_ADDR\} \{\$SOPHIA_MONITORING_ADDR\}\n\troute \{\n\t\t@stranger not header Authorization "Bearer \{\$SOPHIA_METRICS_TOKEN\}"\n\t\trespond @stranger "missing or unknown metrics token" 401\n\t\tmetrics \/metrics\n/);
  // Each server's metrics through the same token, the server's key added by the ingress.
  expect(text).toContain("\t\thandle /servers/memory/metrics {\n\t\t\trewrite * /metrics\n\t\t\treverse_proxy memory:8080 {\n\t\t\t\theader_up -Authorization\n\t\t\t\theader_up X-API-Key {$SOPHIA_BACKEND_KEY_MEMORY}");
  const tls = renderCaddyfile({ port: 8080, internalPort: 8081, metricsPort: 9180, tlsHost: "mcp.example.com", publicUrl: "https://mcp.example.com:8080" }, [], clientScopes(categories, ["memory"]));
  // With TLS the site address itself names the host.
  expect(tls).not.toContain("@foreignHost");
  expect(tls).toContain("not header Origin https://mcp.example.com:8080");
});

test("the monitoring UIs: on the public site only, behind the monitoring token (bearer or basic, with a browser challenge), no client credential or viewer name passed on", () => {
  const site = { port: 8080, internalPort: 8081, metricsPort: 9180, publicUrl: "http://127.0.0.1:8443", monitoring: [{ name: "prometheus", upstream: "prometheus:9090" }, { name: "grafana", upstream: "grafana:3000", viewerHeader: "X-Sophia-Viewer" }] };
  const text = renderCaddyfile(site, [{ server: "memory", upstream: "memory:8080" }], clientScopes(categories, ["memory"]));
  const publicSite = text.slice(text.indexOf(":8080 {"), text.indexOf("http://:8081 {"));
  const monitoring = publicSite.slice(publicSite.indexOf("route /monitoring/* {"), publicSite.indexOf("import mcp_routes"));
  expect(monitoring).toContain('header Authorization "Bearer {$SOPHIA_MONITORING_TOKEN}"');
  expect(monitoring).toContain('header Authorization "Basic {$SOPHIA_MONITORING_BASIC}"');
  expect(monitoring).toMatch(/header @noViewer WWW-Authenticate "Basic realm=\\"sophia monitoring\\""\n\t\trespond @noViewer "missing or unknown monitoring token" 401/);
  // The client's credentials and any viewer name it sent are dropped before a UI sees the request.
  expect(monitoring.indexOf("request_header -Authorization")).toBeLessThan(monitoring.indexOf("handle_path /monitoring/prometheus/*"));
  expect(monitoring.indexOf("request_header -X-Sophia-Viewer")).toBeLessThan(monitoring.indexOf("request_header X-Sophia-Viewer viewer"));
  expect(monitoring).toContain("handle_path /monitoring/grafana/* {\n\t\t\trequest_header X-Sophia-Viewer viewer\n\t\t\treverse_proxy grafana:3000");
  // Before the MCP routes, so no MCP client's token is consulted; and never on the internal site.
  expect(publicSite.indexOf("route /monitoring/*")).toBeLessThan(publicSite.indexOf("import mcp_routes"));
  expect(text.slice(text.indexOf("http://:8081 {"))).not.toContain("/monitoring");
  expect(renderCaddyfile({ ...site, monitoring: undefined }, [], [])).not.toContain("/monitoring");
});

test("stdio servers run behind the bridge, which takes the stdio command after --", () => {
  expect(serverCommand(MCP_SERVERS.memory)).toEqual(["node", "/app/bridge.js", "--port", "8080", "--", "node", "/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js"]);
  expect(serverCommand(MCP_SERVERS["sophia-ops"])).toEqual(["node", "/app/server.js"]);
});

test("the Cursor mcp.json has url and headers per server and references the token as ${env:…}", () => {
  expect(renderCursorMcpJson("http://127.0.0.1:8443/", ["memory"])).toEqual({
    mcpServers: { "sophia-memory": { url: "http://127.0.0.1:8443/memory/mcp", headers: { Authorization: "Bearer ${env:SOPHIA_MCP_TOKEN_CURSOR}" } } },
  });
});

test("stack_up on production is refused unless the stack config turns it on", () => {
  expect(upAllowed("production", false)).toMatchObject({ allowed: false, reason: expect.stringContaining("sophia:ops.allowProductionUp: true") });
  expect(upAllowed("production", true)).toEqual({ allowed: true });
  expect(upAllowed("staging", false)).toEqual({ allowed: true });
});

describe("McpPlatform in mock mode", () => {
  let resources: readonly PlannedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    const evaluation = await evaluateComponent(() => {
      const runtime = new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: {}, platform: "linux/amd64" });
      const mcp = new McpPlatform("mcp", {
        runtime,
        stack: "t",
        baseImage: "sophia/base:trixie",
        servers: ["sophia-ops", "memory"],
        scopes: clientScopes(categories, ["sophia-ops", "memory"]),
        secret: () => undefined,
        ingress: { port: 8443, publishIp: "127.0.0.1" },
        logs: { maxSizeMiB: 10, maxFiles: 2 },
      });
      return { cursorMcpJson: mcp.cursorMcpJson, tokens: mcp.tokens };
    });
    resources = evaluation.resources;
    outputs = evaluation.outputs;
  });

  test("the generated mcp.json output contains no token value", () => {
    const json = outputs.cursorMcpJson as string;
    expect(json).toContain("${env:SOPHIA_MCP_TOKEN_CURSOR}");
    for (const r of resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword")) expect(json).not.toContain(`mock-password-${r.name}`);
    expect(outputs.tokens).toEqual({ [SECRET_SIG_KEY]: true });
  });

  test("tokens reach the ingress only as secrets, and the ingress is published on loopback only", () => {
    const ingress = resources.find((r) => r.name === "mcp-ingress")!;
    // One secret element makes the whole list a secret on the wire: the plan shows envs as [secret].
    expect(ingress.inputs.envs).toMatchObject({ [SECRET_SIG_KEY]: expect.any(String) });
    expect(JSON.stringify((ingress.inputs.envs as { value: unknown }).value)).toContain("SOPHIA_MCP_TOKEN_INFRASTRUCTURE=mock-password-mcp-token-infrastructure");
    expect(ingress.inputs.ports).toEqual([{ internal: 8080, external: 8443, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  test("each server holds only its own key, as a secret, and the ingress presents it; the metrics token is the ingress's alone", () => {
    const envs = (name: string) => JSON.stringify((resources.find((r) => r.name === name)!.inputs.envs as { value: unknown }).value);
    expect(envs("mcp-memory")).toContain("SOPHIA_BACKEND_KEY=mock-password-mcp-backend-key-memory");
    expect(envs("mcp-memory")).not.toContain("backend-key-sophia-ops");
    expect(envs("mcp-sophia-ops")).toContain("SOPHIA_BACKEND_KEY=mock-password-mcp-backend-key-sophia-ops");
    expect(envs("mcp-sophia-ops")).not.toContain("backend-key-memory");
    expect(envs("mcp-ingress")).toContain("SOPHIA_BACKEND_KEY_MEMORY=mock-password-mcp-backend-key-memory");
    expect(envs("mcp-ingress")).toContain("SOPHIA_METRICS_TOKEN=mock-password-mcp-metrics-token");
    for (const server of ["mcp-memory", "mcp-sophia-ops"]) expect(envs(server)).not.toMatch(/SOPHIA_MCP_TOKEN_|metrics-token/);
  });

  test("servers sit only on the internal network; images are built on the configured base without pushing", () => {
    const memory = resources.find((r) => r.name === "mcp-memory")!;
    expect(memory.inputs.networksAdvanced).toEqual([{ name: "sophia-mcp", aliases: ["memory"] }]);
    expect(resources.find((r) => r.name === "mcp-memory-image")!.inputs).toMatchObject({ skipPush: true, build: { args: { BASE_IMAGE: "sophia/base:trixie" } } });
  });

  test("enabling gong without its credentials fails with the config key", async () => {
    expect(() =>
      new McpPlatform("bad", {
        runtime: undefined as never,
        stack: "t",
        baseImage: "b",
        servers: ["gong"],
        scopes: [],
        secret: () => undefined,
        ingress: { port: 1, publishIp: "127.0.0.1" },
        logs: { maxSizeMiB: 1, maxFiles: 1 },
      }),
    ).toThrow(/sophia:gongAccessKey: MCP server gong is enabled and needs this secret \(pulumi config set --secret sophia:gongAccessKey <value> --stack t\); got nothing/);
  });
});

