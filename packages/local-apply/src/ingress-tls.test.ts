// With TLS, the ingress keeps its certificates on its named volume: restarted, it serves the same
// certificate, issued once. Real Docker, the ingress exactly as McpPlatform registers it (applied by
// the smoke's applier), with Caddy's internal CA since no ACME CA can reach this machine.
import { createServer } from "node:net";
import * as tls from "node:tls";
import { buildCaddy } from "@sophia/deploy";
import { DockerRuntime } from "@sophia/docker-runtime";
import { INGRESS_INTERNAL_ALIAS, INGRESS_MONITORING_ALIAS, McpPlatform } from "@sophia/mcp-servers";
import { evaluate, type PlannedResource } from "@sophia/plan";
import { dockerOn } from "@sophia/verify";
import { applyOrder, applyResource, type Created, programDir, teardown } from "./local-stack";

const HOST = "mcp.rehearsal.test";
const NETWORK = "sophia-tlstest-net";
const created: Created = { containers: [], networks: [], volumes: [] };
afterAll(() => teardown(created));
// The image's Caddy is built from its Go module into the context (a first build downloads its modules).
beforeAll(() => void buildCaddy(), 600_000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function certificateOf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: HOST, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on("error", reject);
  });
}

test("the ingress's certificate is issued once and survives a container restart, kept on its volume", async () => {
  const port = await freePort();
  // Evaluated where the engine runs the program, as every plan is: build contexts are relative to it.
  const previous = process.cwd();
  process.chdir(programDir);
  const { resources } = await evaluate({
    project: "sophia",
    stack: "tlstest",
    config: {},
    secretKeys: [],
    program: () => {
      const runtime = new DockerRuntime("tls", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "tlstest" }, platform: "linux/amd64" });
      new McpPlatform("tls-mcp", {
        runtime,
        stack: "tlstest",
        baseImage: "sophia/base:trixie",
        servers: [],
        scopes: [],
        secret: () => undefined,
        ingress: { port, publishIp: "127.0.0.1", tlsHost: HOST, tlsIssuer: "internal" },
        logs: { maxSizeMiB: 1, maxFiles: 1 },
      });
    },
  }).finally(() => process.chdir(previous));
  // The ingress, its image and its volume; on a network of the test's own (with the internal and
  // monitoring aliases the ingress looks itself up by), so nothing clashes with a running stack's networks.
  const wanted = applyOrder(resources).filter((r) => ["docker:index/image:Image", "docker:index/volume:Volume", "docker:index/container:Container"].includes(r.type));
  await dockerOn(undefined, ["network", "create", "--label", "sophia.stack=tlstest", NETWORK]);
  created.networks.push(NETWORK);
  const standalone = (r: PlannedResource): PlannedResource =>
    r.type === "docker:index/container:Container" ? { ...r, inputs: { ...r.inputs, networksAdvanced: [{ name: NETWORK, aliases: [INGRESS_INTERNAL_ALIAS, INGRESS_MONITORING_ALIAS] }] } } : r;
  const images = new Map<string, string>();
  for (const r of wanted) await applyResource(standalone(r), created, images);
  const [container] = created.containers;
  expect(container).toBe("sophia-tlstest-ingress");
  expect(created.volumes).toEqual(["sophia-tlstest-ingress-data"]);

  const files = () => dockerOn(undefined, ["exec", container!, "find", "/data/caddy/certificates", "-type", "f"]);
  const first = await certificateOf(port);
  const before = await files();
  expect(before).toContain(`/data/caddy/certificates/local/${HOST}/${HOST}.crt`);

  await dockerOn(undefined, ["restart", container!]);
  for (let i = 0; i < 100 && (await dockerOn(undefined, ["inspect", "-f", "{{.State.Health.Status}}", container!])) !== "healthy"; i++) await new Promise((r) => setTimeout(r, 300));
  const second = await certificateOf(port);
  const after = await files();
  console.log(`before restart: ${first}\n${before}\nafter restart: ${second}\n${after}`);
  expect(second).toBe(first);
  expect(after).toBe(before);
}, 180_000);
