// Reading a stack file (stacks/Pulumi.<stack>.yaml) the way the Pulumi engine hands it to a program:
// every value as text (structured values as JSON), secure values flagged as secrets. Used where no
// engine runs (the mock-mode plan, the deploy tools' pre-checks, the config tests). A secure value is
// never decrypted here; the program sees a placeholder, which is all a plan needs.
//
// Everything wrong with the file itself is one line, `<file>:<line>:<col>: <what is wrong>`: YAML
// syntax, a duplicated key (also one written with and without the `sophia:` prefix), an unknown
// top-level section, a key in a namespace the program does not read, an empty secret, NaN or Infinity.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Pair } from "yaml";
import { ConfigError } from "./errors";
import { closest } from "./suggest";

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
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
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

  const spelledAs = new Map<string, string>();
  for (const pair of (configNode as unknown as { items: Pair<Node, Node>[] }).items) {
    const name = String((pair.key as { value?: unknown }).value);
    const offset = pair.key?.range?.[0];
    const key = name.includes(":") ? name : `${PROJECT}:${name}`;
    const namespace = key.slice(0, key.indexOf(":"));
    if (!NAMESPACES.includes(namespace)) {
      const bare = key.slice(key.indexOf(":") + 1);
      const guess = closest(`${PROJECT}:${bare}`, knownKeys);
      fail(offset, `${name}: the program reads only sophia: keys (and Pulumi's own pulumi: keys); ${guess ? `did you mean ${guess}?` : "remove it"}`);
    }
    const earlier = spelledAs.get(key);
    if (earlier !== undefined) fail(offset, `${name}: ${key} is already set as ${earlier}; Pulumi would keep one of the two silently. Keep one`);
    spelledAs.set(key, name);
    const { line, col } = lines.linePos(offset ?? 0);
    positions[key] = { line, col };

    const value: unknown = pair.value === null ? null : (pair.value as Node).toJSON();
    if (isSecure(value)) {
      if (typeof value.secure !== "string" || value.secure.trim() === "") {
        fail(offset, `${key}: expected an encrypted value (pulumi config set --secret ${key.slice(PROJECT.length + 1)} …); found an empty secure: value`);
      }
      secretKeys.push(key);
      raw[key] = `[secret ${key}]`;
      continue;
    }
    const bad = nonFinite(value);
    if (bad !== undefined) fail((pair.value as Node | null)?.range?.[0] ?? offset, `${key}${bad[0]}: expected a finite number; found ${String(bad[1])}`);
    raw[key] = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
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
