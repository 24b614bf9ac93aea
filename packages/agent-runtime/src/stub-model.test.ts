// The stub model (test scaffolding) is what makes the end-to-end path deterministic; its rules are
// checked here against the real script over HTTP, with the machine's python3.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import * as path from "node:path";

const script = path.resolve(__dirname, "../testing/stub-model/stub_model.py");
const KEY = "stub-key-".padEnd(40, "x");
let child: ChildProcess;
let base: string;

beforeAll(async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  child = spawn("python3", [script, String(port)], { stdio: "ignore", env: { ...process.env, SOPHIA_MODEL_API_KEY: KEY } });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("stub model did not start");
});
afterAll(() => child.kill());

const system = { role: "system", content: "You are an agent.\nYour name is: infra-operator." };
const planTool = { type: "function", function: { name: "stack_plan", parameters: {} } };
const complete = async (body: Record<string, unknown>) => {
  const response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: "m", ...body }) });
  return { status: response.status, json: (await response.json()) as { choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] } }[] } };
};

test("a task naming an offered tool gets a tool call with arguments read from the task", async () => {
  const { json } = await complete({ messages: [system, { role: "user", content: "Show the plan of staging" }], tools: [planTool] });
  const call = json.choices[0]!.message.tool_calls![0]!;
  expect(call.function).toEqual({ name: "stack_plan", arguments: '{"stack": "staging"}' });
});

test("sophia-ops's Pulumi tools by the word the task uses; stack_up with the approval id the task quotes", async () => {
  const tools = ["stack_preview", "stack_drift", "stack_history", "stack_outputs", "stack_up", "stack_plan"].map((name) => ({ type: "function", function: { name, parameters: {} } }));
  const callFor = async (task: string) => (await complete({ messages: [system, { role: "user", content: task }], tools })).json.choices[0]!.message.tool_calls![0]!.function;
  expect(await callFor("Preview the local stack")).toEqual({ name: "stack_preview", arguments: '{"stack": "local"}' });
  expect(await callFor("Has production drifted? Check its drift")).toEqual({ name: "stack_drift", arguments: '{"stack": "production"}' });
  expect(await callFor("Apply the local stack")).toEqual({ name: "stack_up", arguments: '{"stack": "local"}' });
  expect(await callFor("Apply the local stack: how did approval up-0123456789 end?")).toEqual({ name: "stack_up", arguments: '{"stack": "local", "approvalId": "up-0123456789"}' });
  expect(await callFor("Show the plan of staging")).toEqual({ name: "stack_plan", arguments: '{"stack": "staging"}' });
});

test("Gong's search_calls is called for a quoted phrase and a date range, before memory's search_nodes", async () => {
  const tools = ["search_calls", "search_nodes"].map((name) => ({ type: "function", function: { name, parameters: {} } }));
  const task = 'Which competitor came up? Search the calls from 2026-11-01 to 2026-12-01 for "looking at"';
  const { json } = await complete({ messages: [system, { role: "user", content: task }], tools });
  expect(json.choices[0]!.message.tool_calls![0]!.function).toEqual({ name: "search_calls", arguments: '{"phrase": "looking at", "from": "2026-11-01", "to": "2026-12-01"}' });
  // Without the range it is a memory search, as before.
  const memory = await complete({ messages: [system, { role: "user", content: 'Search for "deals"' }], tools });
  expect(memory.json.choices[0]!.message.tool_calls![0]!.function.name).toBe("search_nodes");
});

test("after a tool result it answers with the agent's name, the tool and the result's last line", async () => {
  const first = await complete({ messages: [system, { role: "user", content: "plan please" }], tools: [planTool] });
  const call = first.json.choices[0]!.message.tool_calls![0]!;
  const { json } = await complete({
    messages: [system, { role: "user", content: "plan please" }, { role: "assistant", content: null, tool_calls: [{ ...call, type: "function" }] }, { role: "tool", tool_call_id: call.id, content: "# plan\n...\nplan local: 24 resources" }],
    tools: [planTool],
  });
  expect(json.choices[0]!.message.content).toBe("infra-operator: stack_plan says: plan local: 24 resources");
});

test("without a matching tool it answers directly, and the same request always gets the same answer", async () => {
  const request = { messages: [system, { role: "user", content: "Say hello" }], tools: [planTool] };
  const a = await complete(request);
  const b = await complete(request);
  expect(a.json.choices[0]!.message.content).toBe("infra-operator: no tool needed for: Say hello");
  expect(b.json).toMatchObject({ choices: a.json.choices });
});

test("streaming is refused with a clear message", async () => {
  const response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify({ stream: true, messages: [] }) });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain("call with stream=false");
});

test("without its key it answers only /health; without a key configured it does not start", async () => {
  const ask = (headers: Record<string, string>) => fetch(`${base}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ messages: [] }) }).then((r) => r.status);
  expect(await ask({})).toBe(401);
  expect(await ask({ authorization: `Bearer ${KEY.slice(0, -1)}y` })).toBe(401);
  expect(await fetch(`${base}/v1/models`).then((r) => r.status)).toBe(401);
  expect(await fetch(`${base}/health`).then((r) => r.status)).toBe(200);
  const bare = spawn("python3", [script, "0"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, SOPHIA_MODEL_API_KEY: "" } });
  let stderr = "";
  bare.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => bare.on("close", resolve));
  expect(code).toBe(1);
  expect(stderr).toContain("SOPHIA_MODEL_API_KEY: expected the API key");
});
