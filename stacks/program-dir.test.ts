// The engine runs the program, and starts the docker plugin, in stacks/ (the directory of `main`), not
// at the repository root. Evaluated from there, every file a resource needs must be found.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "@sophia/plan";
import { loadStackConfig, parseStackFile, SECRET_KEYS } from "@sophia/stack-config";
import program from "./index";

const root = path.resolve(__dirname, "..");

async function evaluateFromStacksDir(stack: string) {
  const { raw, secretKeys } = parseStackFile(fs.readFileSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8"), `stacks/Pulumi.${stack}.yaml`);
  // Required secrets are set per deployment; a placeholder is all an evaluation needs.
  const required = stack === "local" ? [] : SECRET_KEYS.staging.required;
  for (const key of required) {
    raw[key] = "placeholder";
    secretKeys.push(key);
  }
  const previous = process.cwd();
  process.chdir(__dirname);
  try {
    return await evaluate({ project: "sophia", stack, config: raw, secretKeys, program });
  } finally {
    process.chdir(previous);
  }
}

test.each(["local", "staging"])("evaluated from stacks/ like the engine, every %s image's build context and Dockerfile exist there", async (stack) => {
  const { resources } = await evaluateFromStacksDir(stack);
  const images = resources.filter((r) => r.type === "docker:index/image:Image");
  expect(images.length).toBeGreaterThanOrEqual(3);
  for (const image of images) {
    const build = image.inputs.build as { context: string; dockerfile: string; platform: string };
    expect({ image: image.name, context: fs.existsSync(path.resolve(__dirname, build.context, "Dockerfile")), dockerfile: fs.existsSync(path.resolve(__dirname, build.dockerfile)) }).toEqual({
      image: image.name,
      context: true,
      dockerfile: true,
    });
    // Relative, so the state holds no path of one machine's clone.
    expect(path.isAbsolute(build.context)).toBe(false);
    expect(build.platform).toMatch(/^linux\/(amd64|arm64)$/);
  }
});

test.each(["staging", "production"])("the committed %s file holds no secret: each deployment sets its own, and a run without one names the key", (stack) => {
  const text = fs.readFileSync(path.join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8");
  expect(text).not.toMatch(/secure:/);
  const { raw, secretKeys } = parseStackFile(text, `stacks/Pulumi.${stack}.yaml`);
  expect(() => loadStackConfig(stack, raw, (k) => secretKeys.includes(k))).toThrow(
    `stacks/Pulumi.${stack}.yaml: sophia:lambdaApiKey: missing required secret; set it with: pulumi config set --secret lambdaApiKey <value> --stack ${stack}`,
  );
});
