// A small Lambda Cloud API client: bearer auth, 429 retries with backoff, launch pacing, and error
// envelopes turned into LambdaApiError. It never logs or returns the API key.
import { describeLambdaError, LAMBDA_ERROR, LambdaApiError } from "./errors";
import type { WireErrorEnvelope, WireFirewallRule, WireInstance, WireInstanceTypeAvailability, WireLaunchRequest, WireSshKey } from "./wire";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface LambdaClientOptions {
  /** e.g. https://cloud.lambda.ai/api/v1 */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Lambda allows about one launch per 12 s per account; launches are spaced at least this far apart. */
  readonly launchIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  /** Progress lines (retries, waits). Never given the key. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 30_000 };
export const DEFAULT_LAUNCH_INTERVAL_MS = 12_000;

// Last launch per API endpoint, shared by every client in this process, so that two resources
// launching in one `pulumi up` still respect the account's launch rate.
const lastLaunchAt = new Map<string, number>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LambdaClient {
  private readonly retry: RetryPolicy;
  private readonly launchIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: LambdaClientOptions) {
    if (!options.apiKey) throw new Error("LambdaClient: apiKey is empty; expected the secret sophia:lambdaApiKey");
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.launchIntervalMs = options.launchIntervalMs ?? DEFAULT_LAUNCH_INTERVAL_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.log = options.log ?? (() => undefined);
  }

  async instanceTypes(): Promise<Record<string, WireInstanceTypeAvailability>> {
    return (await this.call<{ data: Record<string, WireInstanceTypeAvailability> }>("GET", "/instance-types")).data;
  }

  async listInstances(): Promise<WireInstance[]> {
    return (await this.call<{ data: WireInstance[] }>("GET", "/instances")).data;
  }

  async getInstance(id: string): Promise<WireInstance> {
    return (await this.call<{ data: WireInstance }>("GET", `/instances/${encodeURIComponent(id)}`)).data;
  }

  async renameInstance(id: string, name: string): Promise<WireInstance> {
    return (await this.call<{ data: WireInstance }>("POST", `/instances/${encodeURIComponent(id)}`, { name })).data;
  }

  async launch(request: WireLaunchRequest): Promise<string[]> {
    await this.paceLaunch();
    try {
      return (await this.call<{ data: { instance_ids: string[] } }>("POST", "/instance-operations/launch", request)).data.instance_ids;
    } finally {
      lastLaunchAt.set(this.options.apiUrl, Date.now());
    }
  }

  async terminate(ids: readonly string[]): Promise<WireInstance[]> {
    return (await this.call<{ data: { terminated_instances: WireInstance[] } }>("POST", "/instance-operations/terminate", { instance_ids: ids })).data
      .terminated_instances;
  }

  async listSshKeys(): Promise<WireSshKey[]> {
    return (await this.call<{ data: WireSshKey[] }>("GET", "/ssh-keys")).data;
  }

  async addSshKey(name: string, publicKey: string): Promise<WireSshKey> {
    return (await this.call<{ data: WireSshKey }>("POST", "/ssh-keys", { name, public_key: publicKey })).data;
  }

  async deleteSshKey(id: string): Promise<void> {
    await this.call("DELETE", `/ssh-keys/${encodeURIComponent(id)}`);
  }

  async firewallRules(): Promise<WireFirewallRule[]> {
    return (await this.call<{ data: WireFirewallRule[] }>("GET", "/firewall-rules")).data;
  }

  async replaceFirewallRules(rules: readonly WireFirewallRule[]): Promise<WireFirewallRule[]> {
    return (await this.call<{ data: WireFirewallRule[] }>("PUT", "/firewall-rules", { data: rules })).data;
  }

  private async paceLaunch(): Promise<void> {
    const last = lastLaunchAt.get(this.options.apiUrl);
    const wait = last === undefined ? 0 : last + this.launchIntervalMs - Date.now();
    if (wait > 0) {
      this.log(`waiting ${(wait / 1000).toFixed(1)}s: Lambda allows one launch per ${this.launchIntervalMs / 1000}s`);
      await sleep(wait);
    }
  }

  /** One API call; 429 (rate limited) is retried with exponential backoff, honouring Retry-After. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const operation = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(method, path, body, operation);
      if (response.status === 429 && attempt < this.retry.maxAttempts) {
        const delay = this.backoff(attempt, response.headers.get("retry-after"));
        this.log(`${operation}: rate limited (429), retry ${attempt}/${this.retry.maxAttempts - 1} in ${delay} ms`);
        await response.body?.cancel();
        await sleep(delay);
        continue;
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : {}) as T;
      const error = describeLambdaError(response.status, operation, parseEnvelope(text));
      if (response.status === 429) {
        throw new LambdaApiError(429, error.code, operation, `${error.message} Still rate limited after ${attempt} attempts; try again in a minute.`);
      }
      throw error;
    }
  }

  private async send(method: string, path: string, body: unknown, operation: string): Promise<Response> {
    try {
      return await fetch(`${this.options.apiUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      // fetch's own errors carry the URL at most, never headers; keep only the cause's text.
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new LambdaApiError(0, "network", operation, `Lambda Cloud ${operation} did not answer (${this.options.apiUrl}): ${cause}`);
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, this.retry.maxDelayMs);
    const exponential = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
    // Full jitter keeps parallel clients from retrying in lockstep.
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
  }
}

function parseEnvelope(text: string): WireErrorEnvelope | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<WireErrorEnvelope>;
    return parsed && typeof parsed.error?.code === "string" ? (parsed as WireErrorEnvelope) : undefined;
  } catch {
    return undefined;
  }
}

export { LAMBDA_ERROR };
