// npm run approve -- <stack> <approval id>
// A person's approval of an agent's stack_up (issue 32). It reads the request from the stack's
// sophia-ops (docker exec: only who reaches the Docker engine can), runs its own `preview --refresh`
// with this machine's engine and credentials, and refuses when that preview would not do what the
// agent was shown (the digests differ). Otherwise it records the approval, runs `up --refresh` here,
// and records how it ended. sophia-ops writes neither the state nor the engine: the up is the person's.
// Last line:
//   approve <stack> <id>: applied (<n> created, <n> updated, <n> deleted) in <s>s
import * as os from "node:os";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { type Approval, APPROVAL_ID, type EngineEventLike, previewDigest, serverContainerName, stepsOf } from "@sophia/mcp-servers";
import { dockerOn, type DockerRunner } from "@sophia/verify";
import { openStack, stackAndCli } from "./pulumi-stack";

/** The container holding a stack's approvals (its sophia-ops). */
export const opsContainer = (stack: string) => serverContainerName(stack, "sophia-ops");

export async function approveCommand(argv: readonly string[], docker: DockerRunner = (args) => dockerOn(undefined, args)): Promise<number> {
  const started = Date.now();
  const usage = "npm run approve -- <stack> <approval id>";
  const id = argv.filter((a) => !a.startsWith("--"))[1];
  if (!id || !APPROVAL_ID.test(id)) {
    console.error(`usage: ${usage}   (the id stack_up returned, up- and 10 hex digits; got ${id ?? "nothing"})`);
    return 2;
  }
  const start = await stackAndCli("approve", argv, { usage, install: false });
  if (typeof start === "number") return start;
  const { stackName, cli } = start;
  if (stackName !== "local") {
    // Only the local deploy gives sophia-ops an engine and the state (ops-engine.ts), so only there
    // does stack_up make requests.
    console.error(`approve ${stackName}: sophia-ops on ${stackName} has no Pulumi engine, so it makes no stack_up requests; approvals are for the local stack`);
    return 1;
  }
  const container = opsContainer(stackName);
  const inContainer = (args: string[]) => docker(["exec", container, "node", "/app/server.js", "approval", ...args]);
  const by = `${os.userInfo().username}@${os.hostname()}`;
  const decide = (state: string, result = "") => inContainer(["decide", id, state, by, ...(result ? [result] : [])]);
  const request = JSON.parse(await inContainer(["show", id])) as Approval;
  if (request.stack !== stackName) throw new Error(`approve: ${id} is a request for ${request.stack}, not ${stackName}`);
  if (request.state !== "pending") {
    console.error(`approve ${stackName} ${id}: already ${request.state}${request.decidedBy ? ` by ${request.decidedBy} at ${request.decidedAt}` : ""}; an approval is used once (ask the agent for a new stack_up)`);
    return 1;
  }
  console.log(`${id}: ${request.requestedBy} asked at ${request.requestedAt} for this up (${request.digest}):\n${request.preview}`);

  const handle = await openStack(stackName, cli);
  console.log(`preview --refresh (${stackName}), to check that this is still what an up would do`);
  const events: EngineEventLike[] = [];
  await handle.stack.preview({ refresh: true, configFile: handle.configFile, color: "never", onEvent: (e: EngineEvent) => events.push(e as EngineEventLike) });
  const now = stepsOf(events);
  const digest = previewDigest(now.steps);
  if (digest !== request.digest) {
    const why = `the preview changed since the request (${request.digest} then, ${digest} now): ${now.steps.map((s) => `${s.op} ${s.name}`).join(", ") || "no changes"}`;
    await decide("stale", why);
    console.log(`approve ${stackName} ${id}: refused, nothing changed: ${why}`);
    return 1;
  }
  await decide("approved");
  console.log(`${id} approved by ${by}: pulumi up --refresh (${stackName})`);
  try {
    const up = await handle.stack.up({ refresh: true, configFile: handle.configFile, color: "never", showSecrets: false, onOutput: (out) => process.stdout.write(out) });
    const changes = up.summary.resourceChanges ?? {};
    const result = `up ${stackName}: ${changes.create ?? 0} created, ${changes.update ?? 0} updated, ${changes.delete ?? 0} deleted, ${changes.replace ?? 0} replaced in ${((Date.now() - started) / 1000).toFixed(1)}s`;
    await decide("applied", result);
    console.log(`approve ${stackName} ${id}: applied (${result.replace(/^up \S+: /, "")})`);
    return 0;
  } catch (error) {
    const message = ((error as Error).message.split("\n").find((l) => /error/i.test(l)) ?? (error as Error).message).slice(0, 300);
    await decide("failed", message);
    console.log(`approve ${stackName} ${id}: the up failed (the engine's report is above): ${message}`);
    return 1;
  }
}
