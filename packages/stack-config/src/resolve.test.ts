// Deploy-time resolution with the system resolver, for real (no mocks of dns): `localhost` resolves
// to loopback on every machine.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ENDPOINTS, PUBLIC_HTTPS, REHEARSAL_ENDPOINTS_KEY } from "./endpoints";
import { ConfigError } from "./errors";
import { endpointsResolveSafely, resolveEndpointsSafely } from "./resolve";

const stacksDir = path.resolve(__dirname, "../../../stacks");
const model = ENDPOINTS.find((e) => e.key === "sophia:model.baseUrl")!;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-resolve-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copyOf(stack: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(fs.readFileSync(path.join(stacksDir, `Pulumi.${stack}.yaml`), "utf8"));
  edit(doc);
  const file = path.join(dir, `Pulumi.${stack}.${fs.readdirSync(dir).length}.yaml`);
  fs.writeFileSync(file, doc.toString());
  return file;
}

test("a model host that resolves to loopback is refused with the file, the key, the host and the address", async () => {
  const outcome = resolveEndpointsSafely([{ endpoint: model, url: "https://localhost:11434/v1", policy: PUBLIC_HTTPS }], "stacks/Pulumi.staging.yaml");
  await expect(outcome).rejects.toThrow(ConfigError);
  await expect(outcome).rejects.toThrow(/^stacks\/Pulumi\.staging\.yaml: sophia:model\.baseUrl: localhost resolves to (127\.0\.0\.1|::1), a loopback address \(this machine itself\); expected a public address$/);
}, 30_000);

test("a rehearsal's endpoints on this machine resolve to loopback and pass, as its key allows, and the figure says so", async () => {
  const file = copyOf("staging", (d) => {
    d.setIn(["config", "sophia:rehearsal"], true);
    d.setIn(["config", REHEARSAL_ENDPOINTS_KEY], ["sophia:lambda.apiUrl", "sophia:model.baseUrl"]);
    d.setIn(["config", "sophia:lambda", "apiUrl"], "http://localhost:40123");
    d.setIn(["config", "sophia:model", "baseUrl"], "http://172.17.0.2:8000/v1");
  });
  await expect(endpointsResolveSafely("staging", file, "copy.yaml")).resolves.toBe(`0 endpoints resolve to public addresses; 2 to loopback or private addresses, as ${REHEARSAL_ENDPOINTS_KEY} allows`);
}, 30_000);

test("the file is checked first: a model at localhost is refused by the endpoint rule before any lookup", async () => {
  const file = copyOf("staging", (d) => d.setIn(["config", "sophia:model", "baseUrl"], "https://localhost:11434/v1"));
  await expect(endpointsResolveSafely("staging", file, "stacks/Pulumi.staging.yaml")).rejects.toThrow(
    'stacks/Pulumi.staging.yaml: sophia:model.baseUrl: expected a public host; localhost always names this machine (loopback); got "https://localhost:11434/v1"',
  );
});

test("a public address passes; on the local stack a name this machine cannot resolve is counted, not refused", async () => {
  await expect(resolveEndpointsSafely([{ endpoint: model, url: "https://8.8.8.8/v1", policy: PUBLIC_HTTPS }], "f")).resolves.toBe("1 endpoint resolves to public addresses");
  const local = { http: true, loopback: true, private: true, allowedBy: "the local stack" };
  await expect(resolveEndpointsSafely([{ endpoint: model, url: "http://sophia-no-such-host.invalid:8080", policy: local }], "f", true)).resolves.toBe("0 endpoints resolve to public addresses; 1 not resolvable here (reached from containers)");
  await expect(resolveEndpointsSafely([{ endpoint: model, url: "https://sophia-no-such-host.invalid/v1", policy: PUBLIC_HTTPS }], "f")).rejects.toThrow(/sophia:model\.baseUrl: sophia-no-such-host\.invalid does not resolve from this machine \(ENOTFOUND\)/);
}, 30_000);
