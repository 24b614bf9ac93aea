// Launching a Lambda instance the careful way: ask for capacity first, walk the configured
// (region, instance type) fallback list, wait for `active`, and never leave a half-launched
// instance behind when anything fails.
import type { LambdaClient } from "./api/client";
import { isLambdaApiError, isLambdaError, LAMBDA_ERROR, lambdaApiError } from "./api/errors";
import type { WireInstance } from "./api/wire";

export interface LaunchCandidate {
  readonly region: string;
  readonly instanceType: string;
}

export interface LaunchRequest {
  readonly name: string;
  readonly candidates: readonly LaunchCandidate[];
  readonly sshKeyName: string;
  /** Persistent filesystems to attach (Lambda refuses a launch outside their region). */
  readonly fileSystemNames?: readonly string[];
  readonly activeTimeoutMs: number;
  /** How often to poll the instance while it boots. */
  readonly pollIntervalMs: number;
  /** After a launch failed ambiguously, how long to keep looking for an instance it may have made. */
  readonly strayWindowMs?: number;
  readonly log?: (line: string) => void;
}

/** An instance lists late after a launch: Lambda's list is eventually consistent. */
export const DEFAULT_STRAY_WINDOW_MS = 60_000;

/** A launch that did not end in a running instance: a plain `Error` named LaunchError (see
 * lambdaApiError for why not a subclass). */
export function launchError(message: string): Error {
  return Object.assign(new Error(message), { name: "LaunchError" });
}

const label = (c: LaunchCandidate) => `${c.instanceType} in ${c.region}`;

/** Launches one instance on the first candidate with capacity and returns it once `active`. */
export async function launchInstance(client: LambdaClient, request: LaunchRequest): Promise<WireInstance> {
  const log = request.log ?? (() => undefined);
  if (request.candidates.length === 0) throw launchError("launch: no (region, instance type) candidates; expected at least one from sophia:nodePool");
  const availability = await client.instanceTypes();
  const unknown = request.candidates.filter((c) => !availability[c.instanceType]).map((c) => c.instanceType);
  if (unknown.length === request.candidates.length) {
    throw launchError(
      `launch of ${request.name}: Lambda offers none of the instance types ${[...new Set(unknown)].join(", ")} (it offers ${Object.keys(availability).sort().join(", ")}); check sophia:nodePool.instanceTypes`,
    );
  }
  const outcomes: string[] = [];
  for (const candidate of request.candidates) {
    if (!availability[candidate.instanceType]) {
      outcomes.push(`${label(candidate)}: not an instance type Lambda offers`);
      continue;
    }
    const regions = availability[candidate.instanceType]!.regions_with_capacity_available.map((r) => r.name);
    if (!regions.includes(candidate.region)) {
      outcomes.push(`${label(candidate)}: no capacity listed`);
      continue;
    }
    const before = new Set((await client.listInstances()).map((i) => i.id));
    let ids: string[];
    try {
      log(`launching ${request.name}: ${label(candidate)}`);
      ids = await client.launch({ region_name: candidate.region, instance_type_name: candidate.instanceType, ssh_key_names: [request.sshKeyName], name: request.name, ...(request.fileSystemNames?.length ? { file_system_names: [...request.fileSystemNames] } : {}) });
    } catch (error) {
      // Capacity listed a moment ago can be gone by launch time: try the next candidate.
      if (isLambdaError(error, LAMBDA_ERROR.insufficientCapacity)) {
        outcomes.push(`${label(candidate)}: capacity gone at launch`);
        continue;
      }
      // The pacing lease failed before anything was sent: there is nothing to look for.
      if ((error as Error).name === "LaunchPacingError") throw error;
      // Lambda refused the request itself (a filesystem in another region, a bad parameter): nothing
      // was made. Only a lost answer (5xx, a timeout, a cut connection) may hide an instance.
      if (isLambdaApiError(error) && error.status >= 400 && error.status < 500 && error.status !== 408) throw error;
      // Any other failure may have happened after Lambda created the instance: clean up by name.
      await terminateStrays(client, request, before, error as Error);
      throw error;
    }
    const id = ids[0];
    if (!id) {
      // Answered, but without an id: the instance may exist all the same.
      const cause = launchError(`launch of ${request.name} (${label(candidate)}) was answered without an instance id`);
      await terminateStrays(client, request, before, cause);
      throw launchError(`${cause.message}; any instance it made was looked for and terminated. Deploy again.`);
    }
    try {
      return await waitForActive(client, id, request);
    } catch (error) {
      log(`terminating ${id}: it did not come up (${(error as Error).message})`);
      await terminateUntilGone(client, [id], log, error as Error);
      throw error;
    }
  }
  throw lambdaApiError(
    400,
    LAMBDA_ERROR.insufficientCapacity,
    "POST /instance-operations/launch",
    `No capacity for ${request.name} on any configured candidate (${LAMBDA_ERROR.insufficientCapacity}): ${outcomes.join("; ")}. ` +
      "Add instance types or regions to sophia:nodePool, or try again later.",
  );
}

/** Polls until the instance is active; fails fast when it ends up terminated or unhealthy. */
export async function waitForActive(
  client: LambdaClient,
  id: string,
  options: Pick<LaunchRequest, "activeTimeoutMs" | "pollIntervalMs" | "log">,
): Promise<WireInstance> {
  const deadline = Date.now() + options.activeTimeoutMs;
  for (;;) {
    let instance: WireInstance;
    try {
      instance = await client.getInstance(id);
    } catch (error) {
      if (isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) throw launchError(`instance ${id} disappeared while booting`);
      throw error;
    }
    if (instance.status === "active" && instance.ip) return instance;
    if (instance.status === "terminated" || instance.status === "terminating" || instance.status === "unhealthy") {
      throw launchError(`instance ${id} became ${instance.status} while booting`);
    }
    if (Date.now() >= deadline) {
      throw launchError(`instance ${id} did not become active within ${options.activeTimeoutMs / 1000}s (last status: ${instance.status})`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollIntervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** After a launch failed in a way that may have created the instance: look for instances named like
 * the request that were not there before, for a while (the list is eventually consistent), and
 * terminate them. A list that cannot be read is an error, never taken as "nothing there". */
async function terminateStrays(client: LambdaClient, request: LaunchRequest, before: ReadonlySet<string>, cause: Error): Promise<void> {
  const log = request.log ?? (() => undefined);
  const deadline = Date.now() + (request.strayWindowMs ?? DEFAULT_STRAY_WINDOW_MS);
  for (;;) {
    let listed: WireInstance[];
    try {
      listed = await client.listInstances();
    } catch (error) {
      throw launchError(
        `launch of ${request.name} failed (${cause.message}), and the instance list could not be read to check whether it created an instance anyway (${(error as Error).message}). ` +
          `Look for an instance named ${request.name} at https://cloud.lambda.ai/instances and terminate it if it is there.`,
      );
    }
    const strays = listed.filter((i) => i.name === request.name && !before.has(i.id) && i.status !== "terminated" && i.status !== "terminating");
    if (strays.length > 0) {
      log(`terminating ${strays.map((i) => i.id).join(", ")}: created by a launch that failed`);
      return terminateUntilGone(client, strays.map((i) => i.id), log, cause);
    }
    if (Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(request.pollIntervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Terminates instances and confirms it; the client retries transient failures. An instance that
 * cannot be terminated is named in the error, with how to remove it: it is running and billed. */
export async function terminateUntilGone(client: LambdaClient, ids: readonly string[], log: (line: string) => void, cause?: Error): Promise<void> {
  try {
    await client.terminate(ids);
  } catch (error) {
    if (!isLambdaError(error, LAMBDA_ERROR.objectDoesNotExist)) {
      throw launchError(
        `${cause ? `${cause.message}; then ` : ""}instance ${ids.join(", ")} could not be terminated (${(error as Error).message}). It is still running and billed: ` +
          `terminate it at https://cloud.lambda.ai/instances (or POST /instance-operations/terminate with {"instance_ids": ${JSON.stringify(ids)}}).`,
      );
    }
  }
  log(`terminated ${ids.join(", ")}`);
}
