// Gong in the stacks: enabled by its secrets (or by name), its base URL from config, its server on
// the MCP network with a way out, reached by business-intelligence's token and not by Cursor's.
import { type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import * as path from "node:path";
import program from "./index";
import { type ConfigOverrides, evaluateStack } from "./plan-stack";
import { enabledServers, gongServerEnv, mergeServerEnv, opsServerEnv } from "./src/mcp";

const root = path.resolve(__dirname, "..");
const GONG_SECRETS: ConfigOverrides = {
  "sophia:gongAccessKey": { value: "key-from-gong", secret: true },
  "sophia:gongAccessKeySecret": { value: "secret-from-gong", secret: true },
};

test("gong's base URL reaches its server's environment; enabled without it, the stack file and key are named", () => {
  expect(gongServerEnv("local", ["sophia-ops", "memory"], undefined)).toEqual({});
  expect(gongServerEnv("staging", ["sophia-ops", "gong"], { baseUrl: "https://us-12345.api.gong.io" })).toEqual({ gong: { GONG_BASE_URL: "https://us-12345.api.gong.io" } });
  // Plain http only on local: the smoke's fake on the project's own network.
  expect(gongServerEnv("local", ["gong"], { baseUrl: "http://fake-gong:8080" })).toEqual({ gong: { GONG_BASE_URL: "http://fake-gong:8080", GONG_PLAIN_HTTP: "allowed" } });
  expect(() => gongServerEnv("production", ["gong"], undefined)).toThrow(/^stacks\/Pulumi\.production\.yaml: sophia:gong: gong is enabled \(its secrets are set, or sophia:mcpServers names it\), so it needs your company's Gong API base URL/);
});

test("without sophia:mcpServers, gong is on exactly when both its secrets are set; a list names the servers outright", () => {
  const set = (...keys: string[]) => (key: string) => keys.includes(key);
  expect(enabledServers(undefined, set())).toEqual(["sophia-ops", "memory"]);
  expect(enabledServers(undefined, set("sophia:gongAccessKey"))).toEqual(["sophia-ops", "memory"]);
  expect(enabledServers(undefined, set("sophia:gongAccessKey", "sophia:gongAccessKeySecret"))).toEqual(["sophia-ops", "memory", "gong"]);
  expect(enabledServers(["memory"], set("sophia:gongAccessKey", "sophia:gongAccessKeySecret"))).toEqual(["memory"]);
});

describe("production with Gong's secrets and base URL", () => {
  let resources: PlannedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    const evaluation = await evaluateStack(root, "production", program, { overrides: { ...GONG_SECRETS, "sophia:gong": { value: { baseUrl: "https://us-12345.api.gong.io" } } } });
    resources = [...evaluation.resources];
    outputs = { ...evaluation.outputs };
  }, 120_000);

  test("runs the gong server on the MCP network, with the edge network as its way out to Gong", () => {
    const gong = resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === "sophia-production-gong");
    expect(gong?.inputs.networksAdvanced).toEqual([{ name: "sophia-mcp", aliases: ["gong"] }, { name: "sophia-edge" }]);
    // Its environment carries the keys, so all of it is a secret: a plan shows [secret].
    expect(gong?.inputs.envs).toHaveProperty(SECRET_SIG_KEY);
  });

  test("the scope table: business-intelligence reaches gong, Cursor and infrastructure do not; Cursor's mcp.json has no gong entry", () => {
    const scopes = outputs.mcpScopes as Record<string, string>;
    expect(scopes["business-intelligence"]).toBe("gong, memory");
    expect(scopes.cursor).toBe("sophia-ops, memory");
    expect(scopes.infrastructure).toBe("sophia-ops");
    expect(Object.keys((JSON.parse(outputs.cursorMcpJson as string) as { mcpServers: object }).mcpServers)).toEqual(["sophia-sophia-ops", "sophia-memory"]);
  });
});

test("gong named in sophia:mcpServers without its secrets, or with an http base URL, is refused by key", async () => {
  const servers = { "sophia:mcpServers": { value: ["sophia-ops", "memory", "gong"] }, "sophia:gong": { value: { baseUrl: "https://us-12345.api.gong.io" } } };
  await expect(evaluateStack(root, "production", program, { overrides: servers })).rejects.toThrow(
    "stacks/Pulumi.production.yaml: sophia:gongAccessKey: sophia:mcpServers names gong, which needs this secret; set it with: pulumi config set --secret gongAccessKey <value> --stack production",
  );
  await expect(evaluateStack(root, "staging", program, { overrides: { ...GONG_SECRETS, "sophia:gong": { value: { baseUrl: "http://us-12345.api.gong.io" } } } })).rejects.toThrow(/sophia:gong\.baseUrl.*expected https/);
}, 120_000);

test("sophia-ops's Pulumi clients default to infrastructure; stack_up on production only where the stack turns it on; server environments merge by server", () => {
  expect(opsServerEnv(undefined)).toEqual({ SOPHIA_PULUMI_CLIENTS: '["infrastructure"]' });
  expect(opsServerEnv({ pulumiClients: ["infrastructure", "cursor"], allowProductionUp: true })).toEqual({ SOPHIA_PULUMI_CLIENTS: '["infrastructure","cursor"]', SOPHIA_OPS_ALLOW_PRODUCTION_UP: "true" });
  expect(opsServerEnv({ allowProductionUp: false })).toEqual({ SOPHIA_PULUMI_CLIENTS: '["infrastructure"]' });
  expect(mergeServerEnv({ "sophia-ops": { A: "1" } }, { gong: { G: "1" } }, { "sophia-ops": { B: "2" } })).toEqual({ "sophia-ops": { A: "1", B: "2" }, gong: { G: "1" } });
});
