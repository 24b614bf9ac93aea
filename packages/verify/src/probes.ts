// The ways around the ingress an attacker on the internal network (or a web page on the user's
// machine) would try, as probes with the answer each must get. Each runs curl from inside one of the
// stack's own containers, or from this machine against the published port, and reports the HTTP
// status it saw ("000": no connection). Used by the chaos suite; targets only the stack's own
// containers and loopback.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerOn } from "./docker-runner";

const docker = (args: string[], _what: string) => dockerOn(undefined, args);

export interface ProbeTarget {
  /** A container's real name from its name in the program (`sophia-local-memory`). */
  readonly container: (programName: string) => string;
  /** The network the servers share, by its real name. */
  readonly mcpNetwork: string;
  readonly edgeNetwork: string;
  /** The published ingress, as Cursor reaches it. */
  readonly publicUrl: string;
  readonly cursorToken: string;
  /** One agent and the host name of its runtime pool on the internal network. */
  readonly agent: { readonly name: string; readonly host: string };
}

export interface Probe {
  readonly name: string;
  /** The status that means the attempt was stopped. */
  readonly expected: string;
  readonly run: () => Promise<string>;
}

const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "1" } } });
const ROUTE_TASK = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "route_task", arguments: { category: "infrastructure", task: "Show me the plan of the local stack" } } });
const MCP_HEADERS = ["-H", "content-type: application/json", "-H", "accept: application/json, text/event-stream"];
const STATUS = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10"];

/** curl inside a container of the stack; the status code it printed. */
async function curlFrom(container: string, args: string[]): Promise<string> {
  return (await docker(["exec", container, "curl", ...STATUS, ...args], `probe from ${container}`).catch((e: Error) => e.message.match(/\b(\d{3})\b/)?.[1] ?? "000")).trim();
}

/** The same from this machine, against the published ingress (a browser's or Cursor's view). */
function curlHere(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile("curl", [...STATUS, ...args], (_error, stdout) => resolve(stdout.trim() || "000")));
}

async function addressOn(container: string, network: string): Promise<string> {
  return docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container], container);
}

export function bypassProbes(t: ProbeTarget): Probe[] {
  const memory = t.container("sophia-local-memory");
  const ops = t.container("sophia-local-sophia-ops");
  const ingress = t.container("sophia-local-ingress");
  const auth = ["-H", `Authorization: Bearer ${t.cursorToken}`];
  const publicHost = new URL(t.publicUrl).host;
  return [
    { name: "memory's MCP endpoint from the sophia-ops container, no ingress", expected: "401", run: () => curlFrom(ops, ["-X", "POST", ...MCP_HEADERS, "-d", INITIALIZE, "http://memory:8080/mcp"]) },
    {
      name: "memory's MCP endpoint from the ops container with Cursor's token (a token alone opens no server)",
      expected: "401",
      run: () => curlFrom(ops, ["-X", "POST", ...MCP_HEADERS, ...auth, "-d", INITIALIZE, "http://memory:8080/mcp"]),
    },
    {
      name: "route_task on sophia-ops from the memory container, claiming X-Sophia-Client: cursor",
      expected: "401",
      run: () => curlFrom(memory, ["-X", "POST", ...MCP_HEADERS, "-H", "X-Sophia-Client: cursor", "-d", ROUTE_TASK, "http://sophia-ops:8080/mcp"]),
    },
    {
      name: "sophia-ops from the memory container with a guessed X-API-Key",
      expected: "401",
      run: () => curlFrom(memory, ["-X", "POST", ...MCP_HEADERS, "-H", "X-API-Key: ingress", "-H", "X-Sophia-Client: cursor", "-d", INITIALIZE, "http://sophia-ops:8080/mcp"]),
    },
    {
      name: `AgentOS run of ${t.agent.name} from the memory container, no key`,
      expected: "401",
      run: () => curlFrom(memory, ["-X", "POST", "-d", "message=hello&stream=false", `http://${t.agent.host}:7777/agents/${t.agent.name}/runs`]),
    },
    {
      name: "the model endpoint from the memory container, no key",
      expected: "401",
      run: () => curlFrom(memory, ["-X", "POST", "-H", "content-type: application/json", "-d", '{"messages":[{"role":"user","content":"hi"}]}', "http://model-stub:8000/v1/chat/completions"]),
    },
    { name: "Caddy's metrics from the memory container, no scrape token", expected: "401", run: () => curlFrom(memory, ["http://ingress-mcp:9180/metrics"]) },
    // The monitoring stack answers without credentials, on a network of its own that no server joins.
    { name: "Prometheus's API from the memory container", expected: "000", run: () => curlFrom(memory, ["http://prometheus:9090/api/v1/query?query=up"]) },
    { name: "the probe (blackbox-exporter, which holds a token) from the memory container", expected: "000", run: () => curlFrom(memory, ["http://blackbox:9115/probe?module=mcp_initialize&target=http://ingress-mcp:8081/memory/mcp"]) },
    { name: "a forged alert to Alertmanager from an agent runtime", expected: "000", run: () => curlFrom(t.container(`sophia-local-${t.agent.host}`), ["-X", "POST", "-H", "content-type: application/json", "-d", "[]", "http://alertmanager:9093/api/v2/alerts"]) },
    {
      name: "the ingress's internal site on its edge-network address, from this machine",
      expected: "000",
      run: async () => curlHere([`http://${await addressOn(ingress, t.edgeNetwork)}:8081/healthz`]),
    },
    {
      name: "the public site under another host name (DNS rebinding), with a valid token",
      expected: "421",
      run: () => curlHere(["-X", "POST", ...MCP_HEADERS, ...auth, "-H", `Host: rebind.example:${new URL(t.publicUrl).port}`, "-d", INITIALIZE, `${t.publicUrl}/memory/mcp`]),
    },
    {
      name: "a web page's Origin on the public site, with a valid token",
      expected: "403",
      run: () => curlHere(["-X", "POST", ...MCP_HEADERS, ...auth, "-H", "Origin: http://evil.example", "-d", INITIALIZE, `${t.publicUrl}/memory/mcp`]),
    },
    {
      name: "a 10 MB body on the public site, with a valid token",
      expected: "413",
      run: () => curlHere(["-X", "POST", ...MCP_HEADERS, ...auth, "--data-binary", `@${bigBodyFile()}`, `${t.publicUrl}/memory/mcp`]),
    },
    {
      name: "a chunked body of unknown length on the public site, with a valid token",
      expected: "411",
      run: () => curlHere(["-X", "POST", ...MCP_HEADERS, ...auth, "-H", "Transfer-Encoding: chunked", "--data-binary", `@${bigBodyFile()}`, `${t.publicUrl}/memory/mcp`]),
    },
    { name: `the public site's own name (${publicHost}) still answers`, expected: "200", run: () => curlHere([`${t.publicUrl}/healthz`]) },
  ];
}

let bigBody: string | undefined;
/** A 10 MB JSON-RPC-looking body on disk, made once. */
export function bigBodyFile(): string {
  if (bigBody) return bigBody;
  bigBody = join(mkdtempSync(join(tmpdir(), "sophia-probe-")), "body.json");
  writeFileSync(bigBody, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "create_entities", arguments: { entities: [{ name: "big", entityType: "x", observations: ["x".repeat(10 * 1024 * 1024)] }] } } }));
  return bigBody;
}
