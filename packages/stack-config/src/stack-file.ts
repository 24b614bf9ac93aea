// Reading a stack file (stacks/Pulumi.<stack>.yaml) the way the Pulumi engine hands it to a program:
// every value as text (structured values as JSON), secure values flagged as secrets. Used where no
// engine runs: the mock-mode plan and the config tests. A secure value is never decrypted here; the
// program sees a placeholder, which is all a plan needs.
import { parse } from "yaml";

export interface EngineConfig {
  readonly raw: Record<string, string>;
  readonly secretKeys: string[];
}

const PROJECT = "sophia";

const isSecure = (v: unknown): v is { secure: string } => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

export function parseStackFile(text: string, file: string): EngineConfig {
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file}: expected a mapping with a config: key`);
  const raw: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [name, value] of Object.entries(doc.config ?? {})) {
    const key = name.includes(":") ? name : `${PROJECT}:${name}`;
    if (isSecure(value)) {
      secretKeys.push(key);
      raw[key] = `[secret ${key}]`;
    } else if (typeof value === "object" && value !== null) {
      raw[key] = JSON.stringify(value);
    } else {
      raw[key] = String(value);
    }
  }
  return { raw, secretKeys };
}
