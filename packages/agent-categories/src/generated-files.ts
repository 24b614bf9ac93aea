// Files generated from the catalog and committed, so reviewers see them change in a diff.
// `npm run generate` writes them; tests fail when a committed copy is stale.
import { cursorRules, type GeneratedFile } from "./cursor-rules";
import { agentManifestJsonSchema } from "./manifest";

export const MANIFEST_SCHEMA_PATH = "packages/agent-categories/schema/agent-manifest.schema.json";

/** Paths are relative to the repository root. */
export function generatedFiles(): GeneratedFile[] {
  return [...cursorRules(), { path: MANIFEST_SCHEMA_PATH, content: JSON.stringify(agentManifestJsonSchema(), null, 2) + "\n" }];
}
