// The generated rules, checked and unit-tested by Prometheus's own tool: `promtool check rules` and
// `promtool test rules` on the files generated for the platform's SLOs and a fleet (promtool at the
// image's version, fetched by tools/fetch-checkers.sh).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChecker } from "./checker";
import { platformRules, renderRuleFile } from "./rules";
import { renderRuleTests } from "./rule-tests";
import { platformSlos } from "./slo";

const SERVERS = ["memory", "sophia-ops"];

const dir = mkdtempSync(join(tmpdir(), "sophia-rules-"));
const slos = platformSlos(SERVERS, { "sophia-ops": ["stack_plan", "route_task"] });
// A fleet's rules: every rule a stack can load (the single node's are these without the fleet group,
// and are checked with the Prometheus config in configs.test.ts).
const groups = platformRules(
  slos,
  15,
  [
    { node: "gpu-1x-a10-0", offer: "gpu_1x_a10", pricePerHour: 1.29 },
    { node: "gpu-1x-h100-pcie-0", offer: "gpu_1x_h100_pcie", pricePerHour: 3.29 },
  ],
  { fleet: true },
);
writeFileSync(join(dir, "rules.yml"), renderRuleFile(groups));
const testFiles = renderRuleTests(slos, groups, "rules.yml");
for (const file of testFiles) writeFileSync(join(dir, file.fileName), file.content);

test("promtool accepts the generated rule file", () => {
  expect(runChecker("promtool", ["check", "rules", "rules.yml"], dir)).toMatch(/SUCCESS: \d+ rules found/);
});

test.each(testFiles.map((f) => f.fileName))("promtool test rules %s: every generated alert fires at its burn rate and stays quiet below it", (fileName) => {
  expect(runChecker("promtool", ["test", "rules", fileName], dir)).toMatch(/SUCCESS/);
});

test("the fleet's alerts are tested: a node and an agent pool gone for a minute page, naming them", () => {
  const symptoms = testFiles.find((f) => f.fileName === "symptoms.test.yml")!.content;
  for (const alert of ["SophiaNodeDown", "SophiaAgentPoolUnreachable"]) expect(symptoms).toContain(`alertname: ${alert}`);
  expect(renderRuleTests(slos, platformRules(slos, 15), "rules.yml").find((f) => f.fileName === "symptoms.test.yml")!.content).not.toContain("SophiaNodeDown");
});
