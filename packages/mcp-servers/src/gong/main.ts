// Entry point of the gong container: the Gong MCP server over streamable HTTP, behind the same
// stateless edge as sophia-ops (../http-edge.ts: it answers only the ingress's key), plus GET /health.
// Settings from the environment: GONG_BASE_URL (the company's API base URL), GONG_ACCESS_KEY and
// GONG_ACCESS_SECRET (Pulumi secrets), SOPHIA_BACKEND_KEY; GONG_PLAIN_HTTP=allowed on the local stack
// only, whose fake Gong answers plain http on the project's own network.
import { answerToolsListWith, createMcpHttpEdge, stopOnSignals, toolListOf } from "../http-edge";
import { GongClient } from "./client";
import { createGongServer } from "./server";

const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

/** The client's settings from the environment, each missing one named. */
export function gongSettings(env: NodeJS.ProcessEnv): { baseUrl: string; accessKey: string; accessKeySecret: string; plainHttpAllowed: boolean } {
  const need = (name: string, what: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name}: expected ${what}; got nothing`);
    return value;
  };
  return {
    baseUrl: need("GONG_BASE_URL", "the company's Gong API base URL (sophia:gong.baseUrl)"),
    accessKey: need("GONG_ACCESS_KEY", "the Gong access key (the secret sophia:gongAccessKey)"),
    accessKeySecret: need("GONG_ACCESS_SECRET", "the Gong access key's secret (the secret sophia:gongAccessKeySecret)"),
    plainHttpAllowed: env.GONG_PLAIN_HTTP === "allowed",
  };
}

async function main(): Promise<void> {
  const port = Number(process.env.SOPHIA_GONG_PORT ?? 8080);
  const gong = new GongClient(gongSettings(process.env));
  const tools = await toolListOf(createGongServer(gong, log));
  const http = createMcpHttpEdge({
    name: "gong",
    backendKey: process.env.SOPHIA_BACKEND_KEY ?? "",
    health: () => ({ status: "ok" }),
    serverFor: () => answerToolsListWith(createGongServer(gong, log), tools),
  });
  http.listen(port, "0.0.0.0", () => log({ event: "listening", port }));
  stopOnSignals(http, (how) => {
    log({ event: "stopped", how });
    process.exit(0);
  });
}

if (require.main === module) {
  main().catch((error: Error) => {
    // One line on stderr naming the setting, and a failing exit code.
    log({ event: "fatal", error: error.message });
    process.exitCode = 1;
  });
}
