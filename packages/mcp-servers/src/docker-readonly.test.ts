// The read-only Docker proxy, run as it runs in the stack: Debian's Caddy (the ingress image's, from
// tools/fetch-checkers.sh) with the rendered Caddyfile, in front of a unix socket. The socket's server
// records what reaches it: the reads a refresh makes pass; writes, exec, archives, exports and logs
// are refused by Caddy and never reach it.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { dockerReadAllowed, renderDockerReadOnlyCaddyfile } from "./docker-readonly";

const caddy = path.resolve(__dirname, "..", "..", "..", ".cache", "checkers", "usr", "bin", "caddy");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-readonly-"));
const socket = path.join(dir, "docker.sock");
const reached: string[] = [];
let upstream: http.Server;
let proxy: ChildProcess;
let port: number;

beforeAll(async () => {
  if (!fs.existsSync(caddy)) throw new Error(`${caddy} is missing: bash tools/fetch-checkers.sh fetches it (npm test runs it)`);
  upstream = http.createServer((req, res) => {
    reached.push(`${req.method} ${req.url}`);
    res.end("OK");
  });
  await new Promise<void>((resolve) => upstream.listen(socket, resolve));
  port = await new Promise<number>((resolve) => {
    const probe = http.createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  fs.writeFileSync(path.join(dir, "Caddyfile"), renderDockerReadOnlyCaddyfile(socket, port));
  proxy = spawn(caddy, ["run", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"], { env: { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/_ping`).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("caddy did not start");
}, 20_000);

afterAll(async () => {
  proxy?.kill();
  await new Promise((resolve) => upstream?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const cases: [string, string, boolean][] = [
  ["GET", "/_ping", true],
  ["HEAD", "/_ping", true],
  ["GET", "/v1.41/version", true],
  ["GET", "/v1.41/containers/0123abcd/json", true],
  ["GET", "/v1.41/containers/json?all=1", true],
  ["GET", "/v1.41/images/sophia/mcp-ops:local/json", true],
  ["GET", "/v1.41/networks/sophia-local-mcp", true],
  ["GET", "/v1.41/volumes/sophia-local-memory-data", true],
  ["POST", "/v1.41/containers/create?name=x", false],
  ["POST", "/v1.41/containers/0123abcd/exec", false],
  ["DELETE", "/v1.41/containers/0123abcd", false],
  ["GET", "/v1.41/containers/0123abcd/archive?path=/", false],
  ["GET", "/v1.41/containers/0123abcd/export", false],
  ["GET", "/v1.41/containers/0123abcd/logs?stdout=1", false],
  ["GET", "/v1.41/images/get?names=x", false],
  ["POST", "/v1.41/build", false],
];

test.each(cases)("%s %s passes: %s", async (method, url, allowed) => {
  const before = reached.length;
  const response = await fetch(`http://127.0.0.1:${port}${url}`, { method });
  expect(response.status).toBe(allowed ? 200 : 403);
  expect(reached.length - before).toBe(allowed ? 1 : 0);
  expect(dockerReadAllowed(method, url)).toBe(allowed);
});
