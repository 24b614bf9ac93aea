// Lambda Cloud errors, turned into messages a person running `pulumi up` can act on.
// The API key never appears in any of them: messages are built from the error envelope only.
import type { WireErrorEnvelope } from "./wire";

export const LAMBDA_ERROR = {
  invalidApiKey: "global/invalid-api-key",
  objectDoesNotExist: "global/object-does-not-exist",
  insufficientCapacity: "instance-operations/launch/insufficient-capacity",
  quotaExceeded: "global/quota-exceeded",
  keyInUse: "ssh-keys/key-in-use",
} as const;

/** A failed Lambda call. It is a plain `Error` with fields added, not a subclass: Pulumi's closure
 * serializer turns `class … extends Error` into a function that calls `Error` on `this`, which sets
 * no message, so under a real engine every message was lost (`[object Object]`, issue 28). */
export interface LambdaApiError extends Error {
  readonly name: "LambdaApiError";
  readonly status: number;
  /** Lambda's error code, e.g. global/invalid-api-key; `http/<status>` when the body had no envelope. */
  readonly code: string;
  readonly operation: string;
}

export function lambdaApiError(status: number, code: string, operation: string, message: string): LambdaApiError {
  return Object.assign(new Error(message), { name: "LambdaApiError" as const, status, code, operation });
}

/** By name, not `instanceof`: the serialized provider's errors come from another copy of this code. */
export function isLambdaApiError(error: unknown): error is LambdaApiError {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "LambdaApiError";
}

/** What went wrong and what to do, for one failed call; `operation` is e.g. "POST /instance-operations/launch". */
export function describeLambdaError(status: number, operation: string, envelope: WireErrorEnvelope | undefined): LambdaApiError {
  const code = envelope?.error.code ?? `http/${status}`;
  const detail = envelope ? envelope.error.message : `HTTP ${status} without Lambda's error envelope`;
  const suggestion = envelope?.error.suggestion ? ` ${envelope.error.suggestion}` : "";
  const fields = envelope?.field_errors
    ? ` (${Object.entries(envelope.field_errors).map(([field, e]) => `${field}: ${e.message}`).join("; ")})`
    : "";
  if (status === 429) {
    // Lambda's rate limiter answers 429 with Cloudflare's "error code: 1015" body, not an envelope.
    return lambdaApiError(status, code, operation, `Lambda Cloud rate-limited ${operation} (HTTP 429; about 1 request per second, 1 launch per 10 s).`);
  }
  switch (code) {
    case LAMBDA_ERROR.invalidApiKey:
      return lambdaApiError(
        status,
        code,
        operation,
        `Lambda Cloud rejected the API key (${code}) on ${operation}. Set a valid key with ` +
          "`pulumi config set --secret sophia:lambdaApiKey <key>`; keys are made at https://cloud.lambda.ai/api-keys.",
      );
    case LAMBDA_ERROR.insufficientCapacity:
      return lambdaApiError(status, code, operation, `Lambda Cloud has no capacity for this launch (${code}): ${detail}.${suggestion}`);
    case LAMBDA_ERROR.keyInUse:
      return lambdaApiError(status, code, operation, `Lambda Cloud refuses to delete an SSH key that an instance still uses (${code}): ${detail}.${suggestion}`);
    default:
      return lambdaApiError(status, code, operation, `Lambda Cloud ${operation} failed (${code}): ${detail}${fields}.${suggestion}`);
  }
}

export function isLambdaError(error: unknown, code: string): error is LambdaApiError {
  return isLambdaApiError(error) && error.code === code;
}
