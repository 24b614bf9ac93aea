// Reading a stack's config once, at the edge. Pure: takes the raw key → string map Pulumi hands the
// program and a predicate telling which keys are secrets; returns typed config or throws one line:
//   stacks/Pulumi.staging.yaml: sophia:ingress.port: expected an integer from 1 to 65535; got "abc"
import { z } from "zod";
import { ConfigError } from "./errors";
import { describeValue } from "./redact";
import { ENVIRONMENTS, type Environment, type LambdaConfig, LambdaConfigSchema, type LocalConfig, LocalConfigSchema, SECRET_KEYS } from "./schema";
import { closest } from "./suggest";

/** Secret values stay apart from the rest so nothing that prints config can print them. */
export interface Secrets {
  readonly [key: string]: string;
}

export type StackConfig =
  | { readonly environment: "local"; readonly values: LocalConfig; readonly secrets: Secrets }
  | { readonly environment: "staging" | "production"; readonly values: LambdaConfig; readonly secrets: Secrets };

export function stackConfigFile(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

const NAMESPACE = "sophia:";

/** `file` names the stack file in errors: the stack's own, or a working copy the deploy tools use. */
export function loadStackConfig(stack: string, raw: Readonly<Record<string, string>>, isSecret: (key: string) => boolean, file = stackConfigFile(stack)): StackConfig {
  if (!(ENVIRONMENTS as readonly string[]).includes(stack)) {
    throw new ConfigError(file, "stack", `expected one of ${ENVIRONMENTS.join(", ")}; got ${JSON.stringify(stack)}`);
  }
  const environment = stack as Environment;
  const secretKeys = SECRET_KEYS[environment];
  const values: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (key.startsWith("pulumi:")) continue; // Pulumi's own settings
    if (!key.startsWith(NAMESPACE)) {
      // A provider's key (docker:host, …) would steer nothing: every provider here is built from sophia: keys.
      const guess = closest(`${NAMESPACE}${key.slice(key.indexOf(":") + 1)}`, knownConfigKeys(environment));
      throw new ConfigError(file, key, `the program reads only sophia: keys (and Pulumi's own pulumi: keys); ${guess ? `did you mean ${guess}?` : "remove it"}`);
    }
    if (secretKeys.required.includes(key) || secretKeys.optional.includes(key)) {
      if (!isSecret(key)) {
        throw new ConfigError(file, key, `expected a Pulumi secret (pulumi config set --secret ${key.slice(NAMESPACE.length)} …); found a plaintext value`);
      }
      if (value.trim() === "" || value === "null") throw new ConfigError(file, key, "expected a non-empty secret; found an empty one");
      secrets[key] = value;
      continue;
    }
    values[key] = parseValue(value);
  }
  for (const key of secretKeys.required) {
    if (!(key in secrets)) throw new ConfigError(file, key, `missing required secret; set it with: pulumi config set --secret ${key.slice(NAMESPACE.length)} <value> --stack ${stack}`);
  }
  const declared = values["sophia:environment"];
  if (declared !== undefined && declared !== environment) {
    throw new ConfigError(file, "sophia:environment", `expected "${environment}" (the stack's name); got ${describeValue(declared)}`);
  }
  if (environment === "local") return { environment, values: parseOrThrow(LocalConfigSchema, values, file), secrets };
  return { environment, values: parseOrThrow(LambdaConfigSchema, values, file), secrets };
}

/** Pulumi passes structured values as JSON text and scalars as plain text. */
function parseValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, values: Record<string, unknown>, file: string): T {
  const result = schema.safeParse(values, { reportInput: true });
  if (result.success) return result.data;
  const issue = [...result.error.issues].sort((a, b) => keyOf(a.path).localeCompare(keyOf(b.path)))[0]!;
  throw new ConfigError(file, keyOf(issue.path, issue), describeIssue(issue, schema));
}

/** Every top-level key an environment's file may hold: its schema's and its secrets. */
export function knownConfigKeys(environment: Environment): string[] {
  const schema = environment === "local" ? LocalConfigSchema : LambdaConfigSchema;
  return [...Object.keys(schema.shape), ...SECRET_KEYS[environment].required, ...SECRET_KEYS[environment].optional];
}

/** The keys of the mapping at `path` in the schema, for "did you mean" on an unknown key there. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const part of path) {
    const shape = (node as { shape?: Record<string, unknown> }).shape;
    node = shape?.[String(part)];
    // Optional wrappers hold the mapping inside.
    while (node && (node as { unwrap?: () => unknown }).unwrap && !(node as { shape?: unknown }).shape) node = (node as { unwrap: () => unknown }).unwrap();
  }
  const options = (node as { options?: { shape?: Record<string, unknown> }[] } | undefined)?.options;
  if (options) return [...new Set(options.flatMap((o) => Object.keys(o.shape ?? {})))];
  return Object.keys((node as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
}

function keyOf(path: readonly PropertyKey[], issue?: z.core.$ZodIssue): string {
  const parts = issue?.code === "unrecognized_keys" ? [...path, issue.keys[0]!] : path;
  return parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): string {
  const got = `got ${describeValue(issue.input)}`;
  switch (issue.code) {
    case "custom":
      // The project's own rules word their whole message, value included (redacted where needed).
      return issue.message;
    case "invalid_type":
      if (issue.input === undefined) return `missing required key; expected ${expectedType(issue.expected)}`;
      if (issue.input === null) return `expected ${expectedType(issue.expected)}; got an empty value (null)`;
      return `expected ${expectedType(issue.expected)}; ${got}`;
    case "invalid_value":
      return `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.join(", ")}`}; ${got}`;
    case "invalid_union":
      return `expected provider openai-compatible (with baseUrl and id) or stub; ${got}`;
    case "unrecognized_keys": {
      const guess = closest(issue.keys[0]!, keysAt(schema, issue.path));
      return `unknown key${guess ? `; did you mean ${guess}?` : " (a typo?); remove it or use one of the documented keys"}`;
    }
    case "too_small":
      if (issue.origin === "array") return `expected at least ${issue.minimum} item(s); ${got}`;
      return `expected ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}; ${got}`;
    case "too_big":
      return `expected ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}; ${got}`;
    case "invalid_format":
      return `expected ${issue.format === "cidrv4" ? "an IPv4 CIDR such as 10.0.0.0/8" : issue.message.replace(/^Invalid string: must match pattern .*$/, `text matching ${issue.pattern ?? issue.format}`)}; ${got}`;
    default:
      return `${issue.message}; ${got}`;
  }
}

function expectedType(expected: string): string {
  return expected === "int" ? "an integer" : expected === "object" ? "a mapping of keys" : expected === "array" ? "a list" : `a ${expected}`;
}
