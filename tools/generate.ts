// Writes the committed generated files: from the category catalog (Cursor rules, the manifest's JSON
// Schema) and from monitoring (the Grafana dashboard).
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles } from "@sophia/agent-categories";
import { generatedMonitoringFiles } from "@sophia/monitoring";

const root = path.resolve(__dirname, "..");
for (const file of [...generatedFiles(), ...generatedMonitoringFiles()]) {
  const target = path.join(root, file.path);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, file.content);
  console.log(`wrote ${file.path}`);
}
