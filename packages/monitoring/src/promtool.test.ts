// The generated rules, checked and unit-tested by Prometheus's own tool: `promtool check rules` and
// `promtool test rules` on the files generated for the platform's SLOs (tools/setup-host.sh installs
// promtool from Debian's prometheus package).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChecker } from "./checker";
import { platformRules, renderRuleFile } from "./rules";
import { renderRuleTests } from "./rule-tests";
import { platformSlos } from "./slo";

const SERVERS = ["memory", "sophia-ops"];

const dir = mkdtempSync(join(tmpdir(), "sophia-rules-"));
const slos = platformSlos(SERVERS);
const groups = platformRules(slos, 15);
writeFileSync(join(dir, "rules.yml"), renderRuleFile(groups));
const testFiles = renderRuleTests(slos, groups, "rules.yml");
for (const file of testFiles) writeFileSync(join(dir, file.fileName), file.content);

test("promtool accepts the generated rule file", () => {
  expect(runChecker("promtool", ["check", "rules", "rules.yml"], dir)).toMatch(/SUCCESS: \d+ rules found/);
});

test.each(testFiles.map((f) => f.fileName))("promtool test rules %s: every generated alert fires at its burn rate and stays quiet below it", (fileName) => {
  expect(runChecker("promtool", ["test", "rules", fileName], dir)).toMatch(/SUCCESS/);
});
