// Entry point of a stdio MCP server's container (memory, gong): `node bridge.js --port 8080 -- <command…>`.
// Starts the stdio server once, then serves it over streamable HTTP through the platform's HTTP edge
// (../http-edge.ts: the ingress's key, stateless, limits). If the stdio server exits, so does the
// bridge, and Docker's restart policy brings both back.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createMcpHttpEdge, stopOnSignals } from "../http-edge";
import { forwardingServer, UpstreamLanes } from "./forward";

const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), bridge: true, ...entry })}\n`);

export function parseBridgeArgs(argv: readonly string[]): { port: number; command: string; args: string[] } {
  const dashes = argv.indexOf("--");
  const [command, ...args] = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const portFlag = argv.indexOf("--port");
  const port = Number(portFlag >= 0 ? argv[portFlag + 1] : 8080);
  if (!command) throw new Error("usage: bridge.js [--port <port>] -- <stdio server command…>");
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: expected a port from 1 to 65535; got ${argv[portFlag + 1]}`);
  return { port, command, args };
}

async function main(): Promise<void> {
  const { port, command, args } = parseBridgeArgs(process.argv.slice(2));
  // The stdio server gets the container's environment without the ingress's key, which is the bridge's.
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== "SOPHIA_BACKEND_KEY"));
  const transport = new StdioClientTransport({ command, args, env, stderr: "inherit" });
  const upstream = new Client({ name: "sophia-bridge", version: "0.1.0" });
  let stopping = false;
  transport.onclose = () => {
    if (stopping) return;
    log({ event: "fatal", error: "the stdio server exited" });
    process.exit(1);
  };
  await upstream.connect(transport);
  const lanes = await UpstreamLanes.open(upstream);
  const http = createMcpHttpEdge({
    // The catalog's name for the server behind the bridge (serverContainerSpec sets it).
    name: process.env.SOPHIA_MCP_SERVER ?? "",
    backendKey: process.env.SOPHIA_BACKEND_KEY ?? "",
    healthPath: "/ping",
    health: () => ({ status: "ok", upstream: upstream.getServerVersion()?.name }),
    serverFor: () => forwardingServer(lanes),
  });
  http.listen(port, "0.0.0.0", () => log({ event: "listening", port, upstream: upstream.getServerVersion() }));
  stopOnSignals(http, async (how) => {
    // Every answer has been sent (or cut off) by now; only then does the stdio server stop.
    stopping = true;
    await upstream.close();
    log({ event: "stopped", how });
    process.exit(0);
  });
}

if (require.main === module) {
  main().catch((error: Error) => {
    log({ event: "fatal", error: error.message });
    process.exit(1);
  });
}
