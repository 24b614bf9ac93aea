// The rehearsal's replacement pass (issue: data that outlives its node). The platform node's state
// lives on a Lambda persistent filesystem; this pass proves it survives the node:
// - memories written through the ingress, the ingress's certificate read, a Prometheus snapshot on
//   the filesystem;
// - a real `up` with another instance type, which launches a new platform node and terminates the old;
// - the memories read back through the ingress on the new node, the same certificate served (no new
//   issuance), and Prometheus's oldest sample older than the replacement.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FakeLambdaCloud } from "@sophia/lambda-node/testing";
import { textOf, withClient } from "@sophia/verify";
import type { runDeploy } from "./deploy";

type Deployment = Awaited<ReturnType<typeof runDeploy>>;

export interface ReplacementPass {
  readonly account: FakeLambdaCloud;
  readonly stack: string;
  /** The filesystem's directory on this machine (what every node mounts at /lambda/nfs/<name>). */
  readonly filesystemDir: string;
  /** The outputs of the deployment before the pass. */
  readonly outputs: Deployment["outputs"];
  /** The fingerprint of the certificate the ingress serves now (wherever the last `up` put it). */
  readonly servedCertificate: () => Promise<string>;
  /** Runs docker on the node that runs the platform now. */
  readonly onPlatformNode: (dockerArgs: string[]) => Promise<string>;
  /** Changes the platform node's instance type in the rehearsal's config and runs `up`. */
  readonly replace: () => Promise<Deployment>;
  readonly say: (line: string) => void;
}

const WRITES = 5;

export async function replaceThePlatformNode(pass: ReplacementPass): Promise<{ ok: boolean; name: string; detail: string }> {
  const { account, stack, outputs, say } = pass;
  const ingress = { url: outputs.ingressUrl!.value as string, token: (outputs.mcpTokens!.value as Record<string, string>).cursor! };
  const memory = <T>(use: (client: Parameters<Parameters<typeof withClient>[2]>[0]) => Promise<T>) => withClient(`${ingress.url}/memory/mcp`, { Authorization: `Bearer ${ingress.token}` }, use);
  const markers = Array.from({ length: WRITES }, (_, i) => `replacement-${randomBytes(3).toString("hex")}-${i}`);
  await memory(async (client) => {
    for (const name of markers) {
      const result = await client.callTool({ name: "create_entities", arguments: { entities: [{ name, entityType: "replacement-check", observations: [`written before the node replacement at ${new Date().toISOString()}`] }] } });
      if (result.isError) throw new Error(`create_entities ${name}: ${textOf(result).slice(0, 160)}`);
    }
  });
  say(`wrote ${WRITES} memories through ${ingress.url}: ${markers.join(", ")}`);
  const certificateBefore = await pass.servedCertificate();

  // Prometheus copies its history to the filesystem every interval: wait for one taken after the writes.
  const snapshots = path.join(pass.filesystemDir, stack, `sophia-${stack}-prometheus-snapshots`);
  const wroteAt = Date.now();
  let taken = "";
  for (let i = 0; i < 90 && !(taken && Date.parse(taken) >= wroteAt - 1000); i++) {
    await new Promise((r) => setTimeout(r, 2000));
    taken = fs.existsSync(path.join(snapshots, "taken")) ? fs.readFileSync(path.join(snapshots, "taken"), "utf8").trim() : "";
  }
  const blocks = fs.existsSync(path.join(snapshots, "manifest")) ? fs.readFileSync(path.join(snapshots, "manifest"), "utf8").split("\n").filter(Boolean) : [];
  say(`Prometheus's snapshot on the filesystem: taken ${taken || "never"}, ${blocks.length} block(s)`);

  const platform = outputs.mcpNode!.value as string;
  const before = account.liveInstances().filter((i) => i.name?.endsWith(platform));
  const replacingAt = Date.now();
  const result = await pass.replace();
  const after = account.liveInstances().filter((i) => !before.some((b) => b.id === i.id));
  const replaced = `${before.map((i) => `${i.id} ${i.instance_type.name}`).join(", ")} → ${after.map((i) => `${i.id} ${i.instance_type.name}`).join(", ") || "nothing new"}`;
  say(`platform node replaced: ${replaced}; ${result.stopped ?? `${result.created} created, ${result.updated} updated`}`);
  if (result.stopped) return { ok: false, name: nameOf(0), detail: `the replacing up stopped: ${result.stopped}; ${replaced}` };

  const readBack = await memory<string[]>(async (client) => {
    const found: string[] = [];
    for (const name of markers) if (textOf(await client.callTool({ name: "search_nodes", arguments: { query: name } })).includes(name)) found.push(name);
    return found;
  });
  const certificateAfter = await pass.servedCertificate();
  const oldest = await pass.onPlatformNode([
    "exec", `sophia-${stack}-prometheus`, "curl", "-fsS", "--data-urlencode", "query=min(min_over_time(timestamp(up)[2h:10s]))", `http://127.0.0.1:9090/api/v1/query`,
  ]).then((body) => Number((JSON.parse(body) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1] ?? NaN) * 1000);
  const gone = before.every((b) => !account.liveInstances().some((i) => i.id === b.id));
  const ok = readBack.length === WRITES && certificateBefore === certificateAfter && after.length > 0 && gone && oldest < replacingAt;
  return {
    ok,
    name: nameOf(readBack.length, certificateBefore === certificateAfter),
    detail: [
      `node ${replaced} (${gone ? "the old one terminated" : "the old one STILL LIVE"})`,
      `${readBack.length}/${WRITES} writes read back through the ingress after the replacement`,
      `certificate ${certificateBefore.slice(0, 29)}… before, ${certificateAfter === certificateBefore ? "the same" : `${certificateAfter.slice(0, 29)}…`} after`,
      `oldest Prometheus sample after: ${Number.isFinite(oldest) ? new Date(oldest).toISOString() : "none"} (the replacement began ${new Date(replacingAt).toISOString()}; snapshot taken ${taken || "never"})`,
      `the up: ${result.created} created, ${result.updated} updated, checklist ${result.results.filter((r) => r.ok).length}/${result.results.length}`,
    ].join("; "),
  };
}

/** The checklist line, as the issue words it. */
function nameOf(readBack: number, sameCertificate = false): string {
  return `data kept across a node replacement: ${readBack} writes read back, certificate ${sameCertificate ? "unchanged" : "CHANGED"}`;
}
