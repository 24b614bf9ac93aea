// The checklist's pure parts: how Cursor's config is read as Cursor reads it, how results are laid out
// for a person, and the committed plan line the ops server must answer; the probes' coverage.
import { bypassProbes, type CheckResult, committedPlanLine, cursorEntries, renderChecklist } from "./index";

test("Cursor's mcp.json is read as Cursor reads it: ${env:NAME} filled from the client's token", () => {
  const json = JSON.stringify({ mcpServers: { memory: { url: "https://mcp.example/memory/mcp", headers: { Authorization: "Bearer ${env:SOPHIA_MCP_TOKEN_CURSOR}" } } } });
  expect(cursorEntries(json, { cursor: "t0k3n" })).toEqual([{ name: "memory", url: "https://mcp.example/memory/mcp", headers: { Authorization: "Bearer t0k3n" } }]);
});

test("results are grouped by checklist item, in the strategy's order, one line each with its time", () => {
  const results: CheckResult[] = [
    { item: "monitoring", name: "targets up", ok: true, detail: "9 targets", ms: 1200 },
    { item: "MCP servers healthy", name: "memory", ok: false, detail: "unhealthy\nrestarting", ms: 30 },
  ];
  const lines = renderChecklist(results).split("\n");
  expect(lines[1]).toMatch(/^ {2}MCP servers healthy +✘ +0\.03s {2}memory: unhealthy restarting$/);
  expect(lines[2]).toMatch(/^ {2}monitoring +✔ +1\.20s {2}targets up: 9 targets$/);
});

test("the committed plan's last line is what stack_plan must answer", () => {
  expect(committedPlanLine("local")).toMatch(/^plan local: \d+ resources$/);
});

test("the bypass probes try every way around the ingress, each with what it must get", () => {
  const probes = bypassProbes({
    container: (name) => name.replace("sophia-local", "sophia-chaos"),
    mcpNetwork: "sophia-chaos-mcp",
    edgeNetwork: "sophia-chaos-edge",
    publicUrl: "https://127.0.0.1:8443",
    cursorToken: "t",
    agent: { name: "sre", host: "agents-infrastructure" },
  });
  expect(probes.length).toBeGreaterThanOrEqual(8);
  expect(new Set(probes.map((p) => p.name)).size).toBe(probes.length);
  for (const p of probes) expect(p.expected).toMatch(/^\d{3}|refused|000$/);
});
