// npm run deploy -- <stack>   (npm run deploy:local is `deploy -- local`)
// Deploys a stack with a real Pulumi engine (Automation API), in the phase order of the deployment
// strategy: pre-deployment checks, `pulumi up` with its progress streamed, the post-deployment
// checklist and the integration validation against the live stack's outputs. Nothing is changed when a
// pre-deployment check fails. Last line:
//   deploy <stack>: <passed>/<total> checks passed, <created> created, <updated> updated in <s>s
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { CATEGORIES } from "@sophia/agent-categories";
import { ENVIRONMENTS } from "@sophia/stack-config";
import { parse } from "yaml";
import program from "../stacks/index";
import { evaluateStack } from "../stacks/plan-stack";
import { buildImageContexts } from "./build-image-contexts";
import { type CheckResult, dockerOn, renderChecklist, runChecklist } from "./checklist";
import { MissingCli, openStack, pulumiCli } from "./pulumi-stack";

const root = path.resolve(__dirname, "..");
const started = Date.now();
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const say = (line: string) => console.log(`[deploy ${seconds(started)}s] ${line}`);

interface PreCheck {
  readonly name: string;
  readonly run: () => Promise<string> | string;
}

/** Runs the pre-deployment checks in order; the first failure stops the deploy before anything changes. */
async function preDeployment(checks: readonly PreCheck[]): Promise<boolean> {
  console.log("pre-deployment checks");
  for (const check of checks) {
    const t = Date.now();
    try {
      const figure = await check.run();
      console.log(`  ✔ ${check.name.padEnd(34)} ${`${seconds(t)}s`.padStart(7)}  ${figure}`);
    } catch (error) {
      console.log(`  ✘ ${check.name.padEnd(34)} ${`${seconds(t)}s`.padStart(7)}  ${(error as Error).message}`);
      return false;
    }
  }
  return true;
}

async function main(argv: string[]): Promise<number> {
  const stackName = argv.find((a) => !a.startsWith("--"));
  if (!stackName || !(ENVIRONMENTS as readonly string[]).includes(stackName)) {
    console.error(`usage: npm run deploy -- <stack>   (stacks: ${ENVIRONMENTS.join(", ")}; got ${stackName ?? "nothing"})`);
    return 2;
  }
  let cli;
  try {
    cli = await pulumiCli({ install: !argv.includes("--no-install"), log: say });
  } catch (error) {
    if (!(error instanceof MissingCli)) throw error;
    console.error(`deploy ${stackName}: ${error.message}`);
    return 127;
  }

  let planLine = "";
  let resources = 0;
  const local = stackName === "local";
  const ok = await preDeployment([
    { name: "Pulumi CLI", run: () => `${cli.command} ${cli.version?.format() ?? "(version unknown)"}` },
    ...(local
      ? [
          {
            // Docker (installed from Debian and started when missing, as root) and the local base image.
            name: "host: Docker engine, base image",
            run: () => {
              execFileSync("bash", [path.join(root, "tools", "setup-host.sh")], { stdio: ["ignore", "ignore", "inherit"] });
              return "ready";
            },
          },
          {
            name: "Docker reachable",
            run: async () => {
              const [version, arch] = (await dockerOn(undefined, ["info", "-f", "{{.ServerVersion}} {{.Architecture}}"])).split(" ");
              const platform = arch === "aarch64" ? "linux/arm64" : arch === "x86_64" ? "linux/amd64" : `linux/${arch}`;
              const configured = (parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, { platform?: string }> }).config["sophia:local"]?.platform;
              if (configured !== platform) throw new Error(`stacks/Pulumi.local.yaml: sophia:local.platform: expected ${platform} (this engine's architecture is ${arch}); got ${JSON.stringify(configured)}`);
              return `engine ${version}, ${platform}`;
            },
          },
        ]
      : []),
    {
      name: "config, MCP servers, agent categories",
      // The program itself, in mock mode with the committed config: the schema, placement, the MCP
      // catalog and routes, and the agent manifest are all checked before anything is registered.
      run: async () => {
        const evaluation = await evaluateStack(root, stackName, program);
        resources = evaluation.resources.length;
        planLine = `plan ${stackName}: ${resources} resources`;
        const servers = JSON.parse(evaluation.outputs.cursorMcpJson as string) as { mcpServers: object };
        const placement = (evaluation.outputs.placement as string[])[0] ?? "";
        return `${resources} resources; ${Object.keys(servers.mcpServers).length} MCP servers; ${Object.keys(CATEGORIES).length} agent categories; ${placement}`;
      },
    },
    {
      name: "image build contexts",
      run: () => {
        const lines: string[] = [];
        buildImageContexts((line) => lines.push(line));
        return `${lines.length} contexts prepared`;
      },
    },
  ]);
  if (!ok) {
    console.log(`deploy ${stackName}: stopped before \`pulumi up\`; nothing was changed`);
    return 1;
  }

  const { stack, configFile } = await openStack(stackName, cli);
  if (local) await refuseOrphans(stackName, stack);
  console.log(`pulumi up (${stackName})`);
  let up;
  try {
    // showSecrets false: the summary call would otherwise decrypt against stacks/Pulumi.local.yaml and
    // write a new salt into the tracked file.
    up = await stack.up({ configFile, color: "never", showSecrets: false, onOutput: (out) => process.stdout.write(out) });
  } catch (error) {
    // The engine's own report is above, streamed; the error repeats all of it.
    console.error(`deploy ${stackName}: pulumi up failed after ${seconds(started)}s (the engine's report is above)`);
    void error;
    return 1;
  }
  const changes = up.summary.resourceChanges ?? {};
  const created = (changes.create ?? 0) + (changes["create-replacement"] ?? 0);
  const updated = (changes.update ?? 0) + (changes.replace ?? 0);

  console.log("post-deployment checklist and integration validation");
  const results: CheckResult[] = await runChecklist(liveDeployment(stackName, up.outputs, planLine), (r) => say(`${r.ok ? "PASS" : "FAIL"} ${r.name}`));
  console.log(renderChecklist(results));
  const passed = results.filter((r) => r.ok).length;
  console.log(`deploy ${stackName}: ${passed}/${results.length} checks passed, ${created} created, ${updated} updated in ${seconds(started)}s`);
  return passed === results.length ? 0 : 1;
}

function liveDeployment(stack: string, outputs: OutputMap, planLine: string) {
  const value = <T>(name: string): T => {
    const output = outputs[name];
    if (output === undefined) throw new Error(`stack ${stack} has no output ${name}`);
    return output.value as T;
  };
  return {
    stack,
    ingressUrl: value<string>("ingressUrl"),
    cursorMcpJson: value<string>("cursorMcpJson"),
    tokens: value<Record<string, string>>("mcpTokens"),
    planLine,
  };
}

/** A deployment whose state is gone (for example .pulumi-local/ deleted) leaves containers the new
 * state does not know; `pulumi up` would fail on their names. Say what to remove instead. */
async function refuseOrphans(stackName: string, stack: Awaited<ReturnType<typeof openStack>>["stack"]): Promise<void> {
  const known = (await stack.exportStack()).deployment?.resources?.length ?? 0;
  if (known > 0) return;
  const label = `label=sophia.stack=${stackName}`;
  const containers = (await dockerOn(undefined, ["ps", "-aq", "--filter", label])).split("\n").filter(Boolean);
  if (containers.length === 0) return;
  throw new Error(
    `deploy ${stackName}: ${containers.length} containers labelled sophia.stack=${stackName} run on this engine, but this stack's state (.pulumi-local/) does not know them. ` +
      `Remove them first: docker rm -f $(docker ps -aq --filter ${label}); docker network rm $(docker network ls -q --filter ${label}); ` +
      `docker volume rm $(docker volume ls -q --filter ${label})   (the last one deletes the memory server's data)`,
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Config errors (RunError, ConfigError) are one line already; so are the tool's own.
    console.error(error.message.split("\n").length <= 3 ? error.message : (error.stack ?? error.message));
    process.exit(1);
  },
);
