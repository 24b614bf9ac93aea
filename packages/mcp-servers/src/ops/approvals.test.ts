// stack_up behind a person's approval, through the MCP server as a client calls it: the request and
// its id, the refusal while it is pending, the decisions `npm run approve` records (through the
// approval command it runs in the container), and the audit log's lines and counts. The engine here
// answers a fixed preview; the real one is exercised by the deploy's checklist.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { approvalCommand, ApprovalStore, auditCounts, AuditLog } from "./approvals";
import type { PulumiEngine } from "./engine";
import { NO_ENGINE } from "./pulumi-operations";
import { createOpsServer } from "./server";

let dir: string;
let store: ApprovalStore;
let audit: AuditLog;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "approvals-"));
  store = new ApprovalStore(path.join(dir, "approvals"));
  audit = new AuditLog(path.join(dir, "audit.log"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const step = { op: "update", type: "docker:index/container:Container", name: "local-mcp-memory", urn: "urn:x::local-mcp-memory", diffs: ["restart"], replaceKeys: [] };
const engine: PulumiEngine = {
  stack: "local",
  preview: async (_stack, { refresh }) => ({ text: `preview local: ${refresh ? "1 to update" : "no changes"} (40 unchanged)`, digest: "sha256:0123456789abcdef", steps: refresh ? [step] : [] }),
  drift: async () => "drift local: none",
  outputs: async () => ({}),
  history: async () => "history local: 0 updates shown",
};

async function call(caller: string | undefined, tool: string, args: Record<string, unknown>, pulumi: Parameters<typeof createOpsServer>[0]["pulumi"] = { engine }) {
  const server = createOpsServer({ plan: async () => "plan", pulumi, pulumiClients: ["infrastructure"], caller, approvals: { store, audit }, allowProductionUp: false, log: () => undefined });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    return { isError: Boolean(result.isError), text: (result.content as { text: string }[]).map((c) => c.text).join("\n") };
  } finally {
    await client.close();
  }
}

test("stack_up returns an approval id; it is refused while pending, and reports the up once a person approved and applied it", async () => {
  const asked = await call("infrastructure", "stack_up", { stack: "local" });
  const id = /approval (up-[0-9a-f]{10}) pending/.exec(asked.text)?.[1];
  expect(asked.isError).toBe(false);
  expect(asked.text).toContain("npm run approve -- local");
  expect(id).toBeDefined();

  const pending = await call("infrastructure", "stack_up", { stack: "local", approvalId: id });
  expect(pending).toEqual({ isError: true, text: `stack_up: approval ${id} is pending; nothing has changed. A person approves it with: npm run approve -- local ${id}` });

  // What `npm run approve` runs in the container: show, then the decisions.
  expect(JSON.parse(approvalCommand(["show", id!], store, audit))).toMatchObject({ id, state: "pending", digest: "sha256:0123456789abcdef", requestedBy: "infrastructure" });
  approvalCommand(["decide", id!, "approved", "alice@laptop"], store, audit);
  approvalCommand(["decide", id!, "applied", "alice@laptop", "up local: 1 updated in 12.0 s"], store, audit);
  const applied = await call("infrastructure", "stack_up", { stack: "local", approvalId: id });
  expect(applied.text).toMatch(new RegExp(`^approval ${id} applied by alice@laptop at .+: up local: 1 updated in 12.0 s$`));

  expect(audit.entries().map((e) => `${e.event} ${e.outcome} ${e.caller}`)).toEqual([
    "stack_up pending infrastructure",
    "stack_up refused infrastructure",
    "approval approved alice@laptop",
    "approval applied alice@laptop",
    "stack_up applied infrastructure",
  ]);
  expect(audit.entries().every((e) => e.event !== "stack_up" || e.approvalId === id)).toBe(true);
  expect([...auditCounts(audit.entries()).values()].find((c) => c.event === "stack_up" && c.outcome === "pending")?.count).toBe(1);
});

test("an approval is used once: a decided request cannot be approved again, and a stale one never applies", () => {
  const request = store.create({ stack: "local", requestedBy: "infrastructure", requestedAt: "2026-12-05T00:00:00Z", digest: "sha256:0", preview: "p" });
  store.decide(request.id, "stale", "bob", "the preview changed");
  expect(() => store.decide(request.id, "approved", "bob")).toThrow(`approval ${request.id} is stale; it cannot become approved`);
  expect(() => approvalCommand(["show", "up-00000000ff"], store, audit)).toThrow("approval up-00000000ff: no such request on this sophia-ops");
  expect(() => approvalCommand(["show", "../../etc/passwd"], store, audit)).toThrow(/expected up- and 10 hex digits/);
});

test("nothing to apply needs no approval; production is refused unless the stack turns it on", async () => {
  const server = async (stack: string) => call("infrastructure", "stack_up", { stack });
  const noChanges: PulumiEngine = { ...engine, preview: async () => ({ text: "preview local: no changes (40 unchanged)", digest: "sha256:x", steps: [] }) };
  expect((await call("infrastructure", "stack_up", { stack: "local" }, { engine: noChanges })).text).toContain("nothing to apply: no approval needed");
  expect(await server("production")).toEqual({ isError: true, text: "stack_up on production is off: the stack's config turns it on with sophia:ops.allowProductionUp: true" });
});

test("a client outside the stack's Pulumi clients is refused, and where there is no engine every tool says so", async () => {
  const refused = await call("monitoring", "stack_preview", { stack: "local" });
  expect(refused).toEqual({ isError: true, text: "stack_preview: client monitoring may not run Pulumi operations; the stack allows: infrastructure" });
  for (const tool of ["stack_preview", "stack_drift", "stack_outputs", "stack_history", "stack_up"]) {
    expect(await call("infrastructure", tool, { stack: "local" }, { unavailable: NO_ENGINE })).toEqual({ isError: true, text: NO_ENGINE });
  }
  expect(audit.entries().filter((e) => e.outcome === "refused")).toHaveLength(6);
});
