// Deploy-time resolution of the endpoints' host names. The schema checks what a URL says (a literal
// address, a well-known name); only resolution says where a name points now, so the deploy runs this
// as a pre-check, before anything is touched, under the same policy per endpoint (endpoints.ts).
import { promises as dns } from "node:dns";
import * as fs from "node:fs";
import * as net from "node:net";
import { addressProblem, type EndpointUse, endpointsOf, hostOf, PUBLIC_HTTPS } from "./endpoints";
import { ConfigError } from "./errors";
import { loadStackFile } from "./load";

/** How long one name may take to resolve before the check gives up on it. */
export const RESOLVE_TIMEOUT_MS = 10_000;

/** Resolves every endpoint host of a stack's config file with the system resolver (node:dns lookup,
 * as the clients will), after checking the file as the plan does; throws one line naming the file,
 * the key, the host and the forbidden address when any resolves to one; otherwise returns a short
 * figure, such as "2 endpoints resolve to public addresses". `shownAs`: the file as messages name it
 * (the deploy's working copy, relative to the repository). */
export async function endpointsResolveSafely(stack: string, configFile: string, shownAs: string = configFile): Promise<string> {
  const { config } = loadStackFile(stack, fs.readFileSync(configFile, "utf8"), shownAs);
  return resolveEndpointsSafely(endpointsOf(config.environment, config.values), shownAs, config.environment === "local");
}

/** The resolution itself, for endpoints already read. `local`: a name this machine cannot resolve is
 * counted, not refused (the local stack's endpoints are reached from containers, on Docker's networks). */
export async function resolveEndpointsSafely(uses: readonly EndpointUse[], file: string, local = false): Promise<string> {
  let publicCount = 0;
  const allowed = new Map<string, number>();
  let unresolved = 0;
  for (const { endpoint, url, policy } of uses) {
    const host = hostOf(new URL(url));
    let addresses: string[];
    try {
      addresses = net.isIP(host) ? [host] : await lookupAll(host);
    } catch (error) {
      if (local) {
        unresolved++;
        continue;
      }
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ConfigError(file, endpoint.key, `${host} does not resolve from this machine (${code}); expected a name that resolves to a public address`);
    }
    for (const address of addresses) {
      const problem = addressProblem(address, policy);
      if (problem) throw new ConfigError(file, endpoint.key, `${host} resolves to ${address}, ${problem}; expected a public address`);
    }
    if (addresses.every((a) => addressProblem(a, PUBLIC_HTTPS) === undefined)) publicCount++;
    else {
      const by = policy.allowedBy ?? "its policy";
      allowed.set(by, (allowed.get(by) ?? 0) + 1);
    }
  }
  const parts = [`${publicCount} endpoint${publicCount === 1 ? " resolves" : "s resolve"} to public addresses`];
  for (const [by, n] of allowed) parts.push(`${n} to loopback or private addresses, as ${by} allows`);
  if (unresolved > 0) parts.push(`${unresolved} not resolvable here (reached from containers)`);
  return parts.join("; ");
}

/** Every address a name resolves to, in the resolver's order, or a timeout. */
async function lookupAll(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: `no answer in ${RESOLVE_TIMEOUT_MS / 1000} s` })), RESOLVE_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout])).map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}
