// route_task: which agent gets a task, and handing it to that agent's runtime (AgentOS). The choice is
// pure (tested directly); the table and the policy come from the category library through the
// ops container's environment, the caller's identity from the ingress (X-Sophia-Client).
import { z } from "zod";

export const AgentRoutesSchema = z.record(
  z.string(),
  z
    .array(
      z.strictObject({
        agent: z.string().min(1),
        url: z.url(),
        keyEnv: z.string().regex(/^SOPHIA_AGENT_KEY_[A-Z0-9_]+$/),
        /** The runtime's name in sophia_agent_runtime_up (its pool's host name); the URL's host otherwise. */
        runtime: z.string().min(1).optional(),
      }),
    )
    .min(1),
);
export const RoutePolicySchema = z.record(z.string(), z.array(z.string()));
/** category → the agents of that category, the runtime serving each, and the ops server's variable
 * holding that runtime's API key (AgentOS refuses runs without it). */
export type AgentRoutes = z.infer<typeof AgentRoutesSchema>;
/** client id → the categories it may route to. */
export type RoutePolicy = z.infer<typeof RoutePolicySchema>;
export type AgentRoute = AgentRoutes[string][number];

/** A request the caller may not make, or that names something that does not exist. */
export class RouteRefused extends Error {}

export function chooseRoute(routes: AgentRoutes, policy: RoutePolicy, caller: string | undefined, category: string, agent?: string): AgentRoute {
  if (!caller) throw new RouteRefused("route_task: the caller has no identity; call through the ingress with your bearer token");
  const candidates = routes[category];
  if (!candidates) throw new RouteRefused(`route_task: no category ${JSON.stringify(category)}; categories: ${Object.keys(routes).sort().join(", ")}`);
  const allowed = policy[caller] ?? [];
  if (!allowed.includes(category)) {
    throw new RouteRefused(`route_task: client ${caller} may not route tasks to category ${category}; it may route to: ${allowed.length ? allowed.join(", ") : "no category"}`);
  }
  if (agent === undefined) return candidates[0]!;
  const named = candidates.find((c) => c.agent === agent);
  if (!named) throw new RouteRefused(`route_task: agent ${agent} is not in category ${category}; its agents: ${candidates.map((c) => c.agent).join(", ")}`);
  return named;
}

/** Runs the task on the agent through AgentOS's run endpoint, with the runtime's API key, and returns
 * the agent's answer. */
export async function runAgent(route: AgentRoute, task: string, timeoutMs: number, apiKey: string): Promise<string> {
  const response = await fetch(`${route.url}/agents/${encodeURIComponent(route.agent)}/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}` },
    body: new URLSearchParams({ message: task, stream: "false" }),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error: Error) => {
    // fetch says only "fetch failed"; the cause says whether nothing listens or nothing answers (a
    // node that is down, whose private address no longer answers).
    const cause = (error.cause as Error | undefined)?.message ?? error.message;
    throw new Error(`route_task: agent ${route.agent} at ${route.url} is unreachable (${cause}); its runtime or its node is down (sophia_agent_runtime_up on sophia-ops says which)`);
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`route_task: agent ${route.agent} at ${route.url} answered ${response.status}: ${body.slice(0, 300)}`);
  const run = JSON.parse(body) as { content?: unknown; status?: string };
  if (typeof run.content !== "string") throw new Error(`route_task: agent ${route.agent} returned no text answer (run status ${run.status ?? "unknown"})`);
  return run.content;
}
