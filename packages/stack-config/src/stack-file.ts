// Reading a stack file (stacks/Pulumi.<stack>.yaml) the way the Pulumi engine hands it to a program:
// every value as text (structured values as JSON), secure values flagged as secrets. Used where no
// engine runs (the mock-mode plan, the deploy tools' pre-checks, the config tests). A secure value is
// never decrypted here; the program sees a placeholder, which is all a plan needs.
//
// Everything wrong with the file itself is one line, `<file>:<line>:<col>: <what is wrong>`: YAML
// syntax, a duplicated key (also one written with and without the `sophia:` prefix), an unknown
// top-level section, a key in a namespace the program does not read, an empty secret, NaN or Infinity.
// Anchors, aliases and merge keys are ordinary YAML, which Pulumi's own parser resolves: so does this,
// with a cap on how far aliases expand (an alias bomb stops at once). Integers are read exactly
// (BigInt) and written to the engine's JSON as written, so a number beyond 2^53 is reported as it is.
import { stringify as stringifyJson } from "lossless-json";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Pair } from "yaml";
import { ConfigError } from "./errors";
import { describeName } from "./redact";
import { SECRET_KEYS } from "./schema";
import { closest, didYouMean } from "./suggest";

export interface EngineConfig {
  readonly raw: Record<string, string>;
  readonly secretKeys: string[];
  /** Where each config key is written, for messages about its value. */
  readonly positions: Readonly<Record<string, { line: number; col: number }>>;
}

const PROJECT = "sophia";
/** Top-level sections of a Pulumi stack file. */
const SECTIONS = ["config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"];
/** Namespaces a key may use: the program's own, and Pulumi's. */
const NAMESPACES = [PROJECT, "pulumi"];

/** How many alias resolutions a file may make: far above any real stack file, far below a bomb. */
const MAX_ALIAS_COUNT = 100;

const ALL_SECRET_KEYS = new Set(Object.values(SECRET_KEYS).flatMap((s) => [...s.required, ...s.optional]));

const isSecure = (v: unknown): v is { secure: unknown } => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

/** A non-finite number anywhere in a value (YAML's .nan, .inf): its path inside the value, and it. */
function nonFinite(value: unknown, at = ""): [string, number] | undefined {
  if (typeof value === "number" && !Number.isFinite(value)) return [at, value];
  if (typeof value !== "object" || value === null) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinite(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function parseStackFile(text: string, file: string, knownKeys: readonly string[] = []): EngineConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, intAsBigInt: true, merge: true });
  const at = (offset: number | undefined) => {
    const { line, col } = lines.linePos(offset ?? 0);
    return `${file}:${line}:${col}`;
  };
  const fail = (offset: number | undefined, message: string): never => {
    throw new ConfigError(at(offset), undefined, message);
  };
  const firstError = doc.errors[0];
  if (firstError) fail(firstError.pos[0], yamlProblem(firstError.code, firstError.message));

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) fail(0, "the file is empty; expected a mapping with a config: section");
  if (!isMap(root)) fail(root!.range?.[0], `expected a mapping with a config: section; found ${isSeq(root) ? "a list" : "a single value"}`);
  const rootMap = root as unknown as { items: Pair<Node, Node>[] };
  for (const pair of rootMap.items) {
    const name = String((pair.key as { value?: unknown }).value);
    if (!SECTIONS.includes(name)) {
      const guess = closest(name, SECTIONS);
      fail(pair.key?.range?.[0], `unknown section ${JSON.stringify(name)}${guess ? `; did you mean ${guess}:?` : ""} (a stack file has ${SECTIONS.join(", ")})`);
    }
  }
  const configNode = doc.get("config", true) as Node | undefined;
  const raw: Record<string, string> = {};
  const secretKeys: string[] = [];
  const positions: Record<string, { line: number; col: number }> = {};
  if (configNode === undefined || (isScalar(configNode) && configNode.value === null)) return { raw, secretKeys, positions };
  if (!isMap(configNode)) fail(configNode.range?.[0], "config: expected a mapping of keys");

  let resolved: Record<string, unknown>;
  try {
    resolved = configNode.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return fail(configNode.range?.[0], `YAML aliases: ${/Excessive alias count/.test(error.message) ? `they expand past ${MAX_ALIAS_COUNT} resolutions (an alias bomb?); write the values out` : error.message}`);
  }
  // Where each key is written; a key brought in by a merge (<<: *anchor) is at the merge.
  const offsets = new Map<string, { key?: number; value?: number }>();
  for (const pair of (configNode as unknown as { items: Pair<Node, Node>[] }).items) {
    offsets.set(String((pair.key as { value?: unknown }).value), { key: pair.key?.range?.[0], value: (pair.value as Node | null)?.range?.[0] });
  }
  const offsetsOf = (name: string) => offsets.get(name) ?? offsets.get("<<") ?? {};

  const spelledAs = new Map<string, string>();
  for (const [name, value] of Object.entries(resolved)) {
    const { key: offset, value: valueOffset } = offsetsOf(name);
    const key = name.includes(":") ? name : `${PROJECT}:${name}`;
    const namespace = key.slice(0, key.indexOf(":"));
    if (!NAMESPACES.includes(namespace)) {
      const bare = key.slice(key.indexOf(":") + 1);
      const guess = closest(`${PROJECT}:${bare}`, knownKeys);
      const { shown, note } = describeName(name);
      const hint = guess ? didYouMean(guess, ALL_SECRET_KEYS.has(guess) ? `pulumi config set --secret ${guess.slice(PROJECT.length + 1)} <value>` : undefined) : "remove it";
      fail(offset, `${shown}: the program reads only sophia: keys (and Pulumi's own pulumi: keys); ${hint}${note}`);
    }
    const earlier = spelledAs.get(key);
    if (earlier !== undefined) fail(offset, `${describeName(name).shown}: ${key} is already set as ${earlier}; Pulumi would keep one of the two silently. Keep one`);
    spelledAs.set(key, name);
    const { line, col } = lines.linePos(offset ?? 0);
    positions[key] = { line, col };

    if (isSecure(value)) {
      if (typeof value.secure !== "string" || value.secure.trim() === "") {
        fail(offset, `${describeName(key).shown}: expected an encrypted value (pulumi config set --secret ${key.slice(PROJECT.length + 1)} …); found an empty secure: value`);
      }
      secretKeys.push(key);
      raw[key] = `[secret ${key}]`;
      continue;
    }
    const bad = nonFinite(value);
    if (bad !== undefined) fail(valueOffset ?? offset, `${describeName(key).shown}${bad[0]}: expected a finite number; found ${String(bad[1])}`);
    // As the engine hands config over: text, with objects and lists as JSON (integers as written).
    raw[key] = typeof value === "object" && value !== null ? stringifyJson(value)! : String(value);
  }
  return { raw, secretKeys, positions };
}

/** The YAML library's problem, in words a person fixes a file with. */
function yamlProblem(code: string, message: string): string {
  const first = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  switch (code) {
    case "DUPLICATE_KEY":
      return "a key appears twice in the same mapping; Pulumi would keep one of them silently. Keep one";
    case "TAB_AS_INDENT":
      return "a tab indents this line; YAML indents with spaces only";
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
    case "BAD_INDENT":
    case "MULTILINE_IMPLICIT_KEY":
    default:
      return `YAML syntax: ${first}`;
  }
}
