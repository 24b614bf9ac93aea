// The MCP load generator of `npm run bench:mcp`, in a process of its own so that what it measures is
// the servers and not itself: the bench starts it once (pinned with taskset to a core of its own
// where the machine has two or more), sends it one window at a time over IPC, and gets back the
// window's latencies, errors and the generator's own CPU time.
//
// Each client is one MCP client as Cursor or an agent is: its own keep-alive connection (undici's
// Client, no connection pool shared between clients), one `initialize` and `notifications/initialized`,
// then one call (tools/list, or a tools/call) in a loop until the window closes. JSON-RPC over HTTP spoken directly, not the
// SDK's Client: its listTools compiles a JSON Schema validator for every tool on every call, which
// measured the generator more than the servers.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { Client } from "undici";

export interface LoadTarget {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One JSON-RPC request the clients repeat: tools/list, or a tools/call with its arguments. */
export interface McpCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface LoadRequest {
  readonly target: LoadTarget;
  readonly call: McpCall;
  readonly clients: number;
  readonly windowMs: number;
}

export interface LoadWindow {
  /** Client-side milliseconds of every call answered. */
  readonly latencies: number[];
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  /** CPU seconds the generator itself spent in the window (user + system). */
  readonly cpuSeconds: number;
}

const describeError = (error: unknown) => {
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  return `${e.message}${e.code ? ` (${e.code})` : e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}`.slice(0, 200);
};

/** One MCP client on its own connection. Stateless servers give no session id; one that does gets it
 * back on every call and a DELETE at the end. */
class McpClient {
  private session: string | undefined;
  private next = 1;
  private readonly connection: Client;
  private readonly path: string;

  constructor(private readonly target: LoadTarget) {
    const url = new URL(target.url);
    this.connection = new Client(url.origin, { pipelining: 1 });
    this.path = url.pathname;
  }

  private async post(message: Record<string, unknown>): Promise<void> {
    const response = await this.connection.request({
      path: this.path,
      method: "POST",
      headers: { ...this.target.headers, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18", ...(this.session ? { "mcp-session-id": this.session } : {}) },
      body: JSON.stringify({ jsonrpc: "2.0", ...message }),
    });
    const session = response.headers["mcp-session-id"];
    if (typeof session === "string") this.session ??= session;
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`${response.statusCode} ${text.slice(0, 120)}`);
    if (!("id" in message)) return;
    // A server may answer as an event stream: its data line is the JSON-RPC message.
    const json = (String(response.headers["content-type"]).startsWith("text/event-stream") ? text.match(/^data: (.*)$/m)?.[1] ?? "" : text);
    const answer = JSON.parse(json) as { error?: { message: string }; result?: { isError?: boolean; content?: { text?: string }[] } };
    if (answer.error) throw new Error(answer.error.message);
    if (answer.result?.isError) throw new Error(`tool error: ${answer.result.content?.[0]?.text?.slice(0, 120)}`);
  }

  async open(): Promise<void> {
    await this.post({ id: this.next++, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench-mcp", version: "0.1.0" } } });
    await this.post({ method: "notifications/initialized" });
  }

  call({ method, params }: McpCall): Promise<void> {
    return this.post({ id: this.next++, method, params });
  }

  async close(): Promise<void> {
    if (this.session) await this.connection.request({ path: this.path, method: "DELETE", headers: { ...this.target.headers, "mcp-session-id": this.session } }).then((r) => r.body.text());
    await this.connection.close();
  }
}

/** `clients` clients repeating one call until the window closes. A failed open or call is counted,
 * never retried: a failure under load is a finding. */
export async function runWindow({ target, call, clients, windowMs }: LoadRequest): Promise<LoadWindow> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    errors++;
    firstError ??= describeError(error);
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new McpClient(target);
      try {
        await client.open();
        while (performance.now() - started < windowMs) {
          const t = performance.now();
          try {
            await client.call(call);
            latencies.push(performance.now() - t);
          } catch (error) {
            fail(error);
          }
        }
      } catch (error) {
        fail(error);
      } finally {
        await client.close().catch(fail);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { latencies, errors, ...(firstError ? { firstError } : {}), seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export interface LoadGenerator {
  /** The core it is pinned to, or undefined where the machine has one. */
  readonly core: number | undefined;
  run(request: LoadRequest): Promise<LoadWindow>;
  stop(): void;
}

/** Starts the generator as a child process of its own, pinned to the machine's last core where it
 * has two or more (taskset, from util-linux). */
export function startLoadGenerator(): LoadGenerator {
  const cores = availableParallelism();
  const core = cores >= 2 ? cores - 1 : undefined;
  const node = [process.execPath, ...process.execArgv, __filename, "--serve"];
  const child = spawn(core === undefined ? node[0]! : "taskset", core === undefined ? node.slice(1) : ["-c", String(core), ...node], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let pending: { resolve: (w: LoadWindow) => void; reject: (e: Error) => void } | undefined;
  child.on("message", (message: LoadWindow) => {
    pending?.resolve(message);
    pending = undefined;
  });
  child.on("exit", (code) => pending?.reject(new Error(`the load generator exited with ${code}`)));
  return {
    core,
    run: (request) =>
      new Promise((resolve, reject) => {
        if (pending) return reject(new Error("the load generator runs one window at a time"));
        pending = { resolve, reject };
        child.send(request);
      }),
    stop: () => child.kill(),
  };
}

if (require.main === module && process.argv.includes("--serve")) {
  process.on("message", (request: LoadRequest) => {
    void runWindow(request).then((window) => process.send!(window));
  });
  // The bench stops the generator with a signal; if the bench itself dies first, its IPC channel
  // closes, and the generator goes with it instead of lingering.
  process.on("disconnect", () => process.exit(0));
}
