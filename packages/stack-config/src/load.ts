// Reading a stack's config once, at the edge. Pure: takes the raw key → string map Pulumi hands the
// program and a predicate telling which keys are secrets; returns typed config or throws one line:
//   stacks/Pulumi.staging.yaml: sophia:ingress.port: expected an integer from 1 to 65535; got "abc"
import { isLosslessNumber, isSafeNumber, parse as parseJson } from "lossless-json";
import { MCP_SERVER_NAMES, MCP_SERVERS, type McpServerName } from "@sophia/mcp-servers/catalog";
import { z } from "zod";
import { ConfigError } from "./errors";
import { describeName, describeValue } from "./redact";
import { ENVIRONMENTS, type Environment, type LambdaConfig, LambdaConfigSchema, type LocalConfig, LocalConfigSchema, SECRET_GROUPS, SECRET_KEYS } from "./schema";
import { type EngineConfig, parseStackFile } from "./stack-file";
import { closest, didYouMean } from "./suggest";

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

/** The command that sets a secret, as messages give it. */
export const setSecretCommand = (key: string, stack: string) => `pulumi config set --secret ${key.slice(NAMESPACE.length)} <value> --stack ${stack}`;

/** `file` names the stack file in errors: the stack's own, or a working copy the deploy tools use. */
export function loadStackConfig(stack: string, raw: Readonly<Record<string, string>>, isSecret: (key: string) => boolean, file = stackConfigFile(stack)): StackConfig {
  if (!(ENVIRONMENTS as readonly string[]).includes(stack)) {
    throw new ConfigError(file, "stack", `expected one of ${ENVIRONMENTS.join(", ")}; got ${JSON.stringify(stack)}`);
  }
  const environment = stack as Environment;
  const secretKeys = SECRET_KEYS[environment];
  const values: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  const written = new Map<string, string>();
  for (const [key, value] of Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (key.startsWith("pulumi:")) continue; // Pulumi's own settings
    if (!key.startsWith(NAMESPACE)) {
      // A provider's key (docker:host, …) would steer nothing: every provider here is built from sophia: keys.
      const guess = closest(`${NAMESPACE}${key.slice(key.indexOf(":") + 1)}`, knownConfigKeys(environment));
      throw new ConfigError(file, key, `the program reads only sophia: keys (and Pulumi's own pulumi: keys); ${guess ? didYouMean(guess, secretCommandOf(guess, stack)) : "remove it"}${describeName(key).note}`);
    }
    if (secretKeys.required.includes(key) || secretKeys.optional.includes(key)) {
      if (!isSecret(key)) {
        throw new ConfigError(file, key, `expected a Pulumi secret (pulumi config set --secret ${key.slice(NAMESPACE.length)} …); found a plaintext value`);
      }
      if (value.trim() === "" || value === "null") throw new ConfigError(file, key, "expected a non-empty secret; found an empty one");
      secrets[key] = value;
      continue;
    }
    values[key] = parseValue(value, key, written);
  }
  for (const key of secretKeys.required) {
    if (!(key in secrets)) throw new ConfigError(file, key, `missing required secret; set it with: ${setSecretCommand(key, stack)}`);
  }
  // All or none: one of a group alone would leave its server or the alerts out without a word.
  for (const group of SECRET_GROUPS) {
    const set = group.keys.filter((k) => k in secrets);
    const missing = group.keys.find((k) => !(k in secrets));
    if (set.length > 0 && missing !== undefined) {
      throw new ConfigError(file, missing, `${set.join(" and ")} ${set.length > 1 ? "are" : "is"} set, so ${group.what} needs this secret too (all of ${group.keys.join(", ")}, or none); set it with: ${setSecretCommand(missing, stack)}`);
    }
  }
  const declared = values["sophia:environment"];
  if (declared !== undefined && declared !== environment) {
    throw new ConfigError(file, "sophia:environment", `expected "${environment}" (the stack's name); got ${describeValue(declared)}`);
  }
  const config: StackConfig =
    environment === "local"
      ? { environment, values: parseOrThrow(LocalConfigSchema, values, file, environment, written), secrets }
      : { environment, values: parseOrThrow(LambdaConfigSchema, values, file, environment, written), secrets };
  checkServers(config, file, stack);
  return config;
}

/** What each enabled MCP server needs beyond its secrets: the config mapping it reads. */
const SERVER_CONFIG: Partial<Record<McpServerName, { key: string; message: string }>> = {
  gong: { key: "sophia:gong", message: "it needs your company's Gong API base URL (Gong's API page shows it); expected baseUrl: https://us-12345.api.gong.io or your own; got nothing" },
};

/** A server named in sophia:mcpServers has its secrets; an enabled one has its config. Checked here,
 * with the file's own name, rather than inside the program. */
function checkServers(config: StackConfig, file: string, stack: string): void {
  const named = config.values["sophia:mcpServers"];
  const enabled = MCP_SERVER_NAMES.filter((name) => (named ? named.includes(name) : MCP_SERVERS[name].optional && MCP_SERVERS[name].secrets.every((s) => s.configKey in config.secrets)));
  for (const name of enabled) {
    const missing = MCP_SERVERS[name].secrets.find((s) => !(s.configKey in config.secrets));
    if (named && missing) throw new ConfigError(file, missing.configKey, `sophia:mcpServers names ${name}, which needs this secret; set it with: ${setSecretCommand(missing.configKey, stack)}`);
    const needs = SERVER_CONFIG[name];
    if (needs && !(needs.key in config.values)) throw new ConfigError(file, needs.key, `${name} is enabled (its secrets are set, or sophia:mcpServers names it), so ${needs.message}`);
  }
}

/** Pulumi passes structured values as JSON text and scalars as plain text. Numbers a double cannot
 * hold exactly (beyond 2^53) are kept as written in `written`, by key path, for messages. */
function parseValue(value: string, key: string, written: Map<string, string>): unknown {
  let parsed: unknown;
  try {
    parsed = parseJson(value);
  } catch {
    return value;
  }
  const toNumbers = (v: unknown, at: string): unknown => {
    if (isLosslessNumber(v)) {
      if (!isSafeNumber(v.value)) written.set(at, v.value);
      return Number(v.value);
    }
    if (Array.isArray(v)) return v.map((item, i) => toNumbers(item, `${at}[${i}]`));
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, toNumbers(item, `${at}.${k}`)]));
    return v;
  };
  return toNumbers(parsed, key);
}

function parseOrThrow<T>(schema: z.ZodType<T>, values: Record<string, unknown>, file: string, environment: Environment, written: ReadonlyMap<string, string>): T {
  const result = schema.safeParse(values, { reportInput: true });
  if (result.success) return result.data;
  // zod's own safe-integer check ("at most 2^53 - 1") is not the key's bound: another issue at the
  // same key says the real one.
  const safeRange = (i: z.core.$ZodIssue) => (i.code === "too_big" && i.maximum === Number.MAX_SAFE_INTEGER) || (i.code === "too_small" && i.minimum === Number.MIN_SAFE_INTEGER);
  const issues = result.error.issues.filter((i, _, all) => !(safeRange(i) && all.some((o) => o !== i && keyOf(o.path) === keyOf(i.path))));
  const issue = [...issues].sort((a, b) => keyOf(a.path).localeCompare(keyOf(b.path)))[0]!;
  const key = keyOf(issue.path, issue);
  throw new ConfigError(file, key, describeIssue(issue, schema, environment, written.get(keyOf(issue.path))));
}

/** The command that replaces a misspelled secret key, when the key meant is a secret. */
function secretCommandOf(guess: string, stack: string): string | undefined {
  const environment = stack as Environment;
  const secret = SECRET_KEYS[environment] && [...SECRET_KEYS[environment].required, ...SECRET_KEYS[environment].optional].includes(guess);
  return secret ? setSecretCommand(guess, stack) : undefined;
}

/** Config set on top of a stack file, checked like it (how the smoke enables Gong against its fake
 * without the committed local file enabling it). A secret's value reaches the program as a secret. */
export type ConfigOverrides = Readonly<Record<string, { readonly value: unknown; readonly secret?: boolean }>>;

/** The file read as the engine will hand it to the program, and checked: secrets it does not hold
 * yet (they are set per deployment) stand in as placeholders, which is all a check needs. `overrides`
 * are set on top, as the engine holds config (text; objects and lists as JSON). */
export function loadStackFile(stack: string, text: string, file: string, overrides: ConfigOverrides = {}): EngineConfig & { readonly config: StackConfig } {
  const known = (ENVIRONMENTS as readonly string[]).includes(stack);
  const { raw, secretKeys, positions } = parseStackFile(text, file, known ? knownConfigKeys(stack as Environment) : []);
  for (const [key, { value, secret }] of Object.entries(overrides)) {
    raw[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    if (secret && !secretKeys.includes(key)) secretKeys.push(key);
  }
  for (const key of known ? SECRET_KEYS[stack as Environment].required.filter((k) => !(k in raw)) : []) {
    raw[key] = `[secret ${key}, set per deployment]`;
    secretKeys.push(key);
  }
  return { raw, secretKeys, positions, config: loadStackConfig(stack, raw, (key) => secretKeys.includes(key), file) };
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

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, environment: Environment, written?: string): string {
  const got = `got ${describeValue(issue.input, written)}`;
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
      // At the top, a secret is a key too: a misspelled one is steered to its own command.
      const candidates = issue.path.length === 0 ? knownConfigKeys(environment) : keysAt(schema, issue.path);
      const guess = closest(issue.keys[0]!, candidates);
      const note = describeName(issue.keys[0]!).note;
      return `unknown key${guess ? `; ${didYouMean(guess, issue.path.length === 0 ? secretCommandOf(guess, environment) : undefined)}` : " (a typo?); remove it or use one of the documented keys"}${note}`;
    }
    case "too_small":
      if (issue.origin === "array") return `expected at least ${issue.minimum} item(s); ${got}`;
      if (issue.minimum === Number.MIN_SAFE_INTEGER) return `expected an integer a double holds exactly (at least -(2^53 - 1)); ${got}`;
      return `expected ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}; ${got}`;
    case "too_big":
      if (issue.maximum === Number.MAX_SAFE_INTEGER) return `expected an integer a double holds exactly (at most 2^53 - 1); ${got}`;
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
