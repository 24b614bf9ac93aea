// Writes the files generated from the category catalog (Cursor rules, the manifest's JSON Schema).
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles } from "@sophia/agent-categories";

const root = path.resolve(__dirname, "..");
for (const file of generatedFiles()) {
  const target = path.join(root, file.path);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, file.content);
  console.log(`wrote ${file.path}`);
}
