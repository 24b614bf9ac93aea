import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { DEFAULT_AGENTS } from "./agents";
import { agentDemands, lambdaOffers } from "./demand";
import { generatedFiles, MANIFEST_SCHEMA_PATH } from "./generated-files";
import { buildManifest } from "./manifest";
import { placeAgents } from "./placement";

const repoRoot = path.resolve(__dirname, "../../..");

describe("generated files", () => {
  it.each(generatedFiles().map((f) => [f.path, f.content] as const))("%s is committed and current (run `npm run generate` if not)", (file, content) => {
    const committed = fs.readFileSync(path.join(repoRoot, file), "utf8");
    expect(committed).toBe(content);
  });

  it("writes one Cursor rule per category with its mode and rule text", () => {
    const infra = generatedFiles().find((f) => f.path === ".cursor/rules/infrastructure.mdc")!;
    expect(infra.content).toMatch(/^---\ndescription: Infrastructure — .*\nglobs: stacks\/\*\*,.*\nalwaysApply: false\n---\n/);
    expect(infra.content).toContain("Use Cursor's **plan** mode");
    expect(infra.content).toContain("- `sophia-ops`:");
  });
});

describe("the agent runtime manifest", () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, MANIFEST_SCHEMA_PATH), "utf8")) as object;
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

  it("validates against the published JSON Schema", async () => {
    const placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers(["gpu_1x_a10"], 1), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" });
    const manifest = buildManifest("staging", DEFAULT_AGENTS, placement);
    expect(validate(manifest)).toBe(true);
    expect(manifest.agents.find((a) => a.name === "research-scout")).toMatchObject({ pool: "gpu-1x-a10-0-research-gpu", gpus: 1, category: "research" });
  });

  it("is rejected by the schema when an agent names a server outside the catalog", async () => {
    const placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers(["gpu_1x_a10"], 1), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" });
    const manifest = buildManifest("staging", DEFAULT_AGENTS, placement);
    const tampered = { ...manifest, agents: [{ ...manifest.agents[0]!, mcpServers: ["slack"] }] };
    expect(validate(tampered)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("mcpServers");
  });
});
