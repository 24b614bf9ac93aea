// A small Lambda Cloud API client: bearer auth, retries with backoff (429 always, transient failures
// for calls that can be repeated), launch pacing, and error envelopes turned into LambdaApiError. It
// never logs or returns the API key. It keeps no module state: Pulumi serializes the dynamic providers
// that use it and runs them from that text.
import { describeLambdaError, LAMBDA_ERROR, lambdaApiError } from "./errors";
import { withLaunchSlot } from "./launch-pacing";
import type { WireErrorEnvelope, WireFilesystem, WireFirewallRule, WireInstance, WireInstanceTypeAvailability, WireLaunchRequest, WireSshKey } from "./wire";

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
  /** Per request; a request that takes longer is abandoned (and retried when it is a read). */
  readonly requestTimeoutMs?: number;
  /** Progress lines (retries, waits). Never given the key. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 30_000 };
export const DEFAULT_LAUNCH_INTERVAL_MS = 12_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Lambda API keys are printable ASCII without spaces; anything else would break (and leak through) the header. */
export function checkApiKeyShape(apiKey: string): string | undefined {
  if (apiKey.length === 0) return "expected the Lambda API key; got an empty value";
  const bad = [...apiKey].find((c) => c < "!" || c > "~");
  if (bad === undefined) return undefined;
  const what = bad === "\n" || bad === "\r" ? "a line break" : bad === " " ? "a space" : bad === "\t" ? "a tab" : "a character outside printable ASCII";
  return `expected a Lambda API key (printable ASCII, no spaces or line breaks); got a value of ${apiKey.length} characters containing ${what}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How a call may be repeated: every call is retried after a 429 (nothing happened); reads, and
 * writes that converge (replacing the firewall list, terminate, delete), also after a 5xx, a
 * timeout, a dropped connection or a malformed answer. A launch or key creation is never repeated
 * blindly: it may have taken effect. */
type Repeat = "idempotent" | "once";

export class LambdaClient {
  private readonly retry: RetryPolicy;
  private readonly launchIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: LambdaClientOptions) {
    const problem = checkApiKeyShape(options.apiKey);
    if (problem) throw lambdaApiError(0, "config/api-key", "configure", `sophia:lambdaApiKey: ${problem}`);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.launchIntervalMs = options.launchIntervalMs ?? DEFAULT_LAUNCH_INTERVAL_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.log = options.log ?? (() => undefined);
  }

  async instanceTypes(): Promise<Record<string, WireInstanceTypeAvailability>> {
    return this.data("GET", "/instance-types", "idempotent", isObject);
  }

  async listInstances(): Promise<WireInstance[]> {
    return this.data("GET", "/instances", "idempotent", Array.isArray);
  }

  async getInstance(id: string): Promise<WireInstance> {
    return this.data("GET", `/instances/${encodeURIComponent(id)}`, "idempotent", isInstance);
  }

  async renameInstance(id: string, name: string): Promise<WireInstance> {
    return this.data("POST", `/instances/${encodeURIComponent(id)}`, "idempotent", isInstance, { name });
  }

  /** Every attempt, a retry after 429 included, waits for its own launch slot. An answer without
   * instance ids is returned as it is (an empty list): the launch may have made one anyway. */
  async launch(request: WireLaunchRequest): Promise<string[]> {
    const paced = (attempt: () => Promise<Response>) => withLaunchSlot(this.options.apiUrl, this.launchIntervalMs, attempt, this.log);
    const data = await this.data<{ instance_ids?: unknown }>("POST", "/instance-operations/launch", "once", isObject, request, paced);
    return Array.isArray(data.instance_ids) ? data.instance_ids.filter((id): id is string => typeof id === "string" && id.length > 0) : [];
  }

  async terminate(ids: readonly string[]): Promise<WireInstance[]> {
    const data = await this.data<{ terminated_instances?: WireInstance[] }>("POST", "/instance-operations/terminate", "idempotent", isObject, { instance_ids: ids });
    return data.terminated_instances ?? [];
  }

  async listSshKeys(): Promise<WireSshKey[]> {
    return this.data("GET", "/ssh-keys", "idempotent", Array.isArray);
  }

  async addSshKey(name: string, publicKey: string): Promise<WireSshKey> {
    return this.data("POST", "/ssh-keys", "once", (d): d is WireSshKey => isObject(d) && typeof d.id === "string", { name, public_key: publicKey });
  }

  async deleteSshKey(id: string): Promise<void> {
    await this.call("DELETE", `/ssh-keys/${encodeURIComponent(id)}`, "idempotent");
  }

  async listFilesystems(): Promise<WireFilesystem[]> {
    return this.data("GET", "/file-systems", "idempotent", Array.isArray);
  }

  /** Never repeated blindly: the filesystem may have been made (the provider looks for it by name). */
  async createFilesystem(name: string, region: string): Promise<WireFilesystem> {
    return this.data("POST", "/filesystems", "once", (d): d is WireFilesystem => isObject(d) && typeof d.id === "string", { name, region });
  }

  async deleteFilesystem(id: string): Promise<void> {
    await this.call("DELETE", `/filesystems/${encodeURIComponent(id)}`, "idempotent");
  }

  async firewallRules(): Promise<WireFirewallRule[]> {
    return this.data("GET", "/firewall-rules", "idempotent", Array.isArray);
  }

  async replaceFirewallRules(rules: readonly WireFirewallRule[]): Promise<WireFirewallRule[]> {
    return this.data("PUT", "/firewall-rules", "idempotent", Array.isArray, { data: rules });
  }

  /** The `data` of an answer, checked for its shape: `{"data": null}` is a malformed answer (retried
   * where the call may be repeated), never a TypeError further on. */
  private async data<T>(method: string, path: string, repeat: Repeat, shaped: (data: unknown) => boolean, body?: unknown, paced?: (attempt: () => Promise<Response>) => Promise<Response>): Promise<T> {
    return (await this.call<{ data: T }>(method, path, repeat, body, paced, (answer) => isObject(answer) && shaped(answer.data))).data;
  }

  /** One API call, retried with exponential backoff (honouring Retry-After) as `repeat` allows. */
  private async call<T>(
    method: string,
    path: string,
    repeat: Repeat,
    body?: unknown,
    paced?: (attempt: () => Promise<Response>) => Promise<Response>,
    shaped: (answer: unknown) => boolean = () => true,
  ): Promise<T> {
    const operation = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.maxAttempts;
      const again = async (why: string, retryAfter: string | null = null) => {
        const delay = this.backoff(attempt, retryAfter);
        this.log(`${operation}: ${why}, retry ${attempt}/${this.retry.maxAttempts - 1} in ${delay} ms`);
        await sleep(delay);
      };
      let response: Response;
      try {
        const attempt = () => this.send(method, path, body, operation);
        response = await (paced ? paced(attempt) : attempt());
      } catch (error) {
        if (repeat === "idempotent" && !last) {
          await again((error as Error).message);
          continue;
        }
        throw error;
      }
      if (response.status === 429 && !last) {
        await response.body?.cancel();
        await again("rate limited (429)", response.headers.get("retry-after"));
        continue;
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (repeat === "idempotent" && !last) {
          await again(`the answer broke off (${(error as Error).message})`);
          continue;
        }
        throw lambdaApiError(response.status, "network", operation, `Lambda Cloud ${operation}: the answer broke off: ${this.redact((error as Error).message)}`);
      }
      if (response.ok) {
        let answer: unknown;
        try {
          answer = text ? JSON.parse(text) : {};
        } catch {
          answer = undefined;
        }
        if (answer !== undefined && shaped(answer)) return answer as T;
        const what = answer === undefined ? "was not JSON" : "lacked the data it should carry";
        if (repeat === "idempotent" && !last) {
          await again(`the answer ${what}`);
          continue;
        }
        throw lambdaApiError(response.status, "malformed", operation, `Lambda Cloud ${operation}: the answer ${what} (${text.length} bytes, starting ${JSON.stringify(text.slice(0, 40))})`);
      }
      const error = describeLambdaError(response.status, operation, parseEnvelope(text));
      if (response.status >= 500 && repeat === "idempotent" && !last) {
        await again(`server error (${response.status})`);
        continue;
      }
      if (response.status === 429) {
        throw lambdaApiError(429, error.code, operation, `${error.message} Still rate limited after ${attempt} attempts; try again in a minute.`);
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
      // Only the cause's kind is kept, and the key is redacted anyway: a message is never built from a header.
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const reason = timedOut ? `no answer within ${this.requestTimeoutMs / 1000}s` : this.redact(cause);
      throw lambdaApiError(0, "network", operation, `Lambda Cloud ${operation} did not answer (${this.options.apiUrl}): ${reason}`);
    }
  }

  private redact(text: string): string {
    return text.split(this.options.apiKey).join("[redacted]");
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, this.retry.maxDelayMs);
    const exponential = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
    // Full jitter keeps parallel clients from retrying in lockstep.
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isInstance = (data: unknown): data is WireInstance => isObject(data) && typeof data.id === "string";

function parseEnvelope(text: string): WireErrorEnvelope | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<WireErrorEnvelope>;
    return parsed && typeof parsed.error?.code === "string" ? (parsed as WireErrorEnvelope) : undefined;
  } catch {
    return undefined;
  }
}

export { LAMBDA_ERROR };
