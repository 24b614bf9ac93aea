// The rehearsal (npm run rehearse -- staging; tools/rehearse.ts is its command line).
// The production path on one machine, with a real Pulumi engine and nothing outside this machine:
// - Lambda Cloud is the project's fake, served on loopback; each instance it launches is a throwaway
//   node host (a container with sshd and its own dockerd) whose address the fake hands out;
// - the staging program runs unchanged, with a working copy of its config under .pulumi-rehearsal/
//   (git-ignored) that points it at the fake, the throwaway hosts' SSH key and addresses, Caddy's
//   internal CA, a base image loaded onto the nodes (no registry), and the stub model;
// - key, firewall, instance, host-key pin, SSH bootstrap, Docker over ssh://, images built on the node,
//   the TLS ingress, the agent pools, and the deploy tool's post-deploy checklist through the ingress;
// - then a second `up` (no changes), a host key changed between two runs (refused), a rotation of the
//   deploy key (every node kept, the old key refused by them), a replacement of the platform node by
//   another instance type (its state kept on the persistent filesystem: rehearse-replacement.ts),
//   `destroy`, and the fake's account: no instance, key or filesystem, the firewall as before.
// - Lambda's persistent filesystem is a directory of this machine that every throwaway node mounts at
//   /lambda/nfs/<name> when it launches with it (a bind mount, not NFS: see docs/ARCHITECTURE.md).
// GPU pools are skipped, each with a visible warning: the hosts have no NVIDIA GPU. Last line:
//   rehearsal staging: <passed>/<total> checks passed, <nodes> nodes, <orphaned> orphaned in <s>s
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as dns from "node:dns";
import * as fs from "node:fs";
import type { LookupFunction } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { promisify } from "node:util";
import { type GpuPolicy, LAMBDA_INSTANCE_TYPES, type LambdaInstanceType } from "@sophia/agent-categories";
import { STUB_MODEL_CONTEXT, STUB_MODEL_PORT } from "@sophia/agent-runtime";
import { FakeLambdaCloud, ThrowawaySshHost } from "@sophia/lambda-node/testing";
import { REHEARSAL_ENDPOINTS_KEY } from "@sophia/stack-config";
import { Agent, setGlobalDispatcher } from "undici";
import { parse } from "yaml";
import { dockerOn } from "@sophia/verify";
import { runDeploy } from "./deploy";
import { MissingCli, openStack, type PrivateBackend, pulumiCli } from "./pulumi-stack";
import { type FleetShape, fleetShape, killAndRecover } from "./rehearse-fleet";
import { replaceThePlatformNode } from "./rehearse-replacement";

const run = promisify(execFile);
/** The repository this package is part of. */
const root = path.resolve(__dirname, "..", "..", "..");
const started = Date.now();
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const say = (line: string) => console.log(`[rehearsal ${seconds(started)}s] ${line}`);
const STACK = "staging";
const BASE_IMAGE = "sophia/base:trixie";
const MODEL_CONTAINER = "sophia-rehearsal-model";
/** On every container a rehearsal starts, so that the next one finds what an interrupted run left. */
const REHEARSAL_LABEL = "sophia.rehearsal=true";
/** The stub model's key (test scaffolding): the agents present it, and the stub wants at least 16 characters. */
const MODEL_API_KEY = "rehearsal-model-key";

interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** `npm run rehearse -- staging`: the whole rehearsal; its exit code. */
export async function rehearse(argv: readonly string[]): Promise<number> {
  const nodesFlag = argv.indexOf("--nodes");
  const fleetSize = nodesFlag >= 0 ? Number(argv[nodesFlag + 1]) : undefined;
  if (argv[0] !== STACK || (fleetSize !== undefined && !(Number.isInteger(fleetSize) && fleetSize >= 2 && fleetSize <= 6))) {
    console.error(
      `usage: npm run rehearse -- staging [--nodes <2..6>]   (the rehearsal deploys the staging program on this machine, on as many throwaway nodes as placement decides, or on --nodes; got ${argv.join(" ") || "nothing"})`,
    );
    return 2;
  }
  let cli;
  try {
    cli = await pulumiCli({ install: !argv.includes("--no-install"), log: say });
  } catch (error) {
    if (!(error instanceof MissingCli)) throw error;
    console.error(`rehearsal ${STACK}: ${error.message}`);
    return 127;
  }
  const steps: Step[] = [];
  const step = (name: string, ok: boolean, detail: string) => {
    steps.push({ name, ok, detail });
    say(`${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
  };
  const hosts: ThrowawaySshHost[] = [];
  let fleet: FleetShape | undefined;
  let fleetSmaller: FleetShape | undefined;
  let fake: FakeLambdaCloud | undefined;
  let orphaned = 0;
  let launched = 0;
  const backendDir = path.join(root, ".pulumi-rehearsal");
  // Lambda's NFS server, for the persistent filesystem: a directory every throwaway node can mount.
  const filesystems = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-rehearsal-nfs-"));
  const cleanup = async () => {
    await run("docker", ["rm", "-f", MODEL_CONTAINER]).catch(() => undefined);
    for (const host of hosts) await host.stop();
    await fake?.stop();
    fs.rmSync(filesystems, { recursive: true, force: true });
    // The state describes the fake and the hosts just stopped: nothing a later run could use.
    fs.rmSync(backendDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
  // Whatever ends this process, its containers do not outlive it.
  process.once("exit", () => {
    const containers = [MODEL_CONTAINER, ...hosts.map((h) => h.container)];
    spawnSync("docker", ["rm", "-f", "-v", ...containers], { stdio: "ignore" });
  });

  try {
    // ------------------------------------------------------------ a clean start, whatever came before
    // The fake and the throwaway nodes live only as long as a run, so state or containers left by an
    // interrupted one (SIGKILL, a closed terminal) describe nothing real: say so, and start empty.
    const leftovers = await leftoverContainers();
    if (fs.existsSync(backendDir) || leftovers.length > 0) {
      say(
        `an earlier rehearsal was interrupted: its state (${path.relative(root, backendDir)}/) and ${leftovers.length} container(s) describe a fake account and nodes that ended with it; ` +
          "removing them and starting from an empty stack",
      );
      if (leftovers.length > 0) await run("docker", ["rm", "-f", "-v", ...leftovers]);
      fs.rmSync(backendDir, { recursive: true, force: true });
    }

    // ------------------------------------------------------------ the machine stands in for Lambda
    const committed = parse(fs.readFileSync(path.join(root, "stacks", `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const pool = committed.config["sophia:nodePool"] as { instanceTypes: LambdaInstanceType[]; regions: string[] };
    const committedPlacement = committed.config["sophia:placement"] as { gpuPolicy: GpuPolicy; reservePerNode: { cpu: number; memoryGiB: number } };
    // A fleet: the node reserve that makes placement spread the default agents on --nodes nodes (and
    // on one fewer, for the shrink and grow), with a CPU pool on each.
    if (fleetSize !== undefined) {
      fleet = await fleetShape(fleetSize, pool.instanceTypes, committedPlacement.gpuPolicy, committedPlacement.reservePerNode.memoryGiB);
      fleetSmaller = await fleetShape(fleetSize - 1, pool.instanceTypes, committedPlacement.gpuPolicy, committedPlacement.reservePerNode.memoryGiB);
      say(`fleet of ${fleetSize}: reservePerNode.cpu ${fleet.reservePerNode.cpu} places ${fleet.nodes.join(", ")}; ${fleetSmaller.reservePerNode.cpu} places ${fleetSmaller.nodes.join(", ")}`);
    }
    // One host per node placement decides, as the committed plan says (the overrides change no
    // placement), or as the fleet's overrides do.
    const plan = fs.readFileSync(path.join(root, "stacks", "plans", `${STACK}.md`), "utf8");
    const nodeCount = fleet?.nodes.length ?? Number(/^(\d+) node\(s\),/m.exec(plan)?.[1]);
    if (!(nodeCount > 0)) throw new Error(`stacks/plans/${STACK}.md: no "<n> node(s)," line in its Placement section; run npm run plan:update`);
    // One host more than nodes: a node replaced (the replacement pass, or a fleet's shape that moves
    // to another type) is launched before the old one goes.
    const hostCount = nodeCount + 1;
    await run("bash", [path.join(root, "tools", "build-base-image.sh"), BASE_IMAGE]);
    const baseId = (await dockerOn(undefined, ["image", "inspect", "-f", "{{.Id}}", BASE_IMAGE])).trim();
    for (let i = 0; i < hostCount; i++) {
      const host = await ThrowawaySshHost.start(BASE_IMAGE, { label: REHEARSAL_LABEL, filesystems });
      hosts.push(host);
      // No registry: the base image goes onto the node as it is (same id), and is built on by tag.
      await run("sh", ["-c", `docker save ${BASE_IMAGE} | docker exec -i ${host.container} docker load -q`], { maxBuffer: 1 << 24 });
    }
    const addresses = await Promise.all(hosts.map((h) => h.address()));
    const gateway = (await dockerOn(undefined, ["inspect", "-f", "{{.NetworkSettings.Gateway}}", hosts[0]!.container])).trim();
    say(`${hosts.length} throwaway node hosts at ${addresses.join(", ")}; this machine reaches them from ${gateway}; base image ${baseId.slice(0, 19)} loaded on each`);

    await run("docker", ["build", "-q", "--build-arg", `BASE_IMAGE=${BASE_IMAGE}`, "-t", "sophia/model-stub:rehearsal", STUB_MODEL_CONTEXT]);
    // The stub refuses to start without the key its callers must present (the agents' sophia:modelApiKey,
    // set below); the value travels in the docker CLI's environment, not on its command line.
    await run("docker", ["run", "-d", "--name", MODEL_CONTAINER, "--label", REHEARSAL_LABEL, "--read-only", "--user", "65534:65534", "--env", "SOPHIA_MODEL_API_KEY", "sophia/model-stub:rehearsal"], { env: { ...process.env, SOPHIA_MODEL_API_KEY: MODEL_API_KEY } });
    const modelIp = (await dockerOn(undefined, ["inspect", "-f", "{{.NetworkSettings.IPAddress}}", MODEL_CONTAINER])).trim();
    say(`stub model (test scaffolding) at http://${modelIp}:${STUB_MODEL_PORT}/v1`);

    const apiKey = `secret_rehearsal_${randomBytes(12).toString("hex")}`;
    const account = new FakeLambdaCloud({
      apiKey,
      instanceIps: addresses,
      instanceTypes: pool.instanceTypes.map((name) => {
        const t = LAMBDA_INSTANCE_TYPES[name];
        return { name, priceCentsPerHour: Math.round(t.pricePerHour * 100), vcpus: t.vcpus, memoryGiB: t.memoryGiB, gpus: t.gpus, regions: pool.regions };
      }),
      bootHost: async (address, launch) => {
        const host = hosts[addresses.indexOf(address)]!;
        for (const key of launch.authorizedKeys) await host.authorize(key);
        for (const name of launch.filesystems) await host.mountFilesystem(name);
      },
    });
    fake = account;
    const apiUrl = await account.start();
    const firewallBefore = structuredClone(account.firewallRules);
    say(`fake Lambda Cloud at ${apiUrl}`);

    const cidr = `${gateway}/32`;
    // The fleet's shape the next `up` deploys: the shrink and the grow change it.
    let shape = fleet;
    // The instance types placement may use; the replacement pass changes them.
    let instanceTypes = pool.instanceTypes;
    // The deploy key's public half in the stack's config; the rotation below changes it.
    let deployPublicKey = hosts[0]!.publicKey();
    const backend: PrivateBackend = {
      dir: backendDir,
      override: (doc) => {
        doc.setIn(["config", "sophia:rehearsal"], true);
        // The endpoint rule refuses http, loopback and private addresses on staging; the two this
        // rehearsal points at this machine (the fake on 127.0.0.1, the stub on the Docker bridge) are
        // allowed by name, and only these (stack-config's endpoints.ts).
        doc.setIn(["config", REHEARSAL_ENDPOINTS_KEY], ["sophia:lambda.apiUrl", "sophia:model.baseUrl"]);
        doc.setIn(["config", "sophia:lambda", "apiUrl"], apiUrl);
        doc.setIn(["config", "sophia:lambda", "sshUser"], hosts[0]!.user);
        doc.setIn(["config", "sophia:lambda", "sshPublicKey"], deployPublicKey);
        doc.setIn(["config", "sophia:lambda", "sshAllowedCidrs"], [cidr]);
        doc.setIn(["config", "sophia:ingress", "allowedCidrs"], [cidr]);
        doc.setIn(["config", "sophia:ingress", "tlsIssuer"], "internal");
        doc.setIn(["config", "sophia:images", "base"], BASE_IMAGE);
        doc.setIn(["config", "sophia:model"], { provider: "openai-compatible", baseUrl: `http://${modelIp}:${STUB_MODEL_PORT}/v1`, id: "sophia-stub" });
        doc.setIn(["config", "sophia:nodePool", "instanceTypes"], instanceTypes);
        // Snapshots of Prometheus's history every 30 s, so that the replacement pass need not wait minutes.
        if (committed.config["sophia:dataFilesystem"]) doc.setIn(["config", "sophia:dataFilesystem", "prometheusSnapshotSeconds"], 30);
        if (shape) {
          doc.setIn(["config", "sophia:placement", "reservePerNode"], shape.reservePerNode);
          doc.setIn(["config", "sophia:nodePool", "maxNodesPerType"], shape.maxNodesPerType);
        }
      },
    };
    const handle = await openStack(STACK, cli, backend);
    // Every host accepts the same key (ThrowawaySshHost makes one per host): the first one's, set on all.
    for (const host of hosts.slice(1)) await host.ssh(`printf '%s\\n' '${hosts[0]!.publicKey()}' >> ~/.ssh/authorized_keys`);
    await handle.setSecret("sophia:lambdaApiKey", apiKey);
    await handle.setSecret("sophia:sshPrivateKey", hosts[0]!.privateKey());
    await handle.setSecret("sophia:modelApiKey", MODEL_API_KEY);

    // How this machine reaches the TLS ingress by its DNS name: that name, and only it, connects to
    // the node; the certificate is checked against Caddy's internal CA, fetched from the node.
    const ingress = { host: "", address: "", rootPem: "", container: "" };
    const reach: Parameters<typeof runDeploy>[0]["reach"] = async (outputs) => {
      const host = new URL(outputs.ingressUrl!.value as string).hostname;
      const node = outputs.mcpNode!.value as string;
      const address = (outputs.nodeAddresses!.value as Record<string, string>)[node]!;
      Object.assign(ingress, { host, address, container: hosts[addresses.indexOf(address)]!.container });
      const rootPem = await run("docker", ["exec", hosts[addresses.indexOf(address)]!.container, "docker", "exec", `sophia-${STACK}-ingress`, "cat", "/data/caddy/pki/authorities/local/root.crt"]).then((r) => r.stdout);
      const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sophia-rehearsal-ca-")), "root.crt");
      fs.writeFileSync(caFile, rootPem);
      ingress.rootPem = rootPem;
      const lookup: LookupFunction = (hostname, options, callback) => {
        if (hostname !== host) return dns.lookup(hostname, options, callback);
        return options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4);
      };
      setGlobalDispatcher(new Agent({ connect: { lookup, ca: [...tls.rootCertificates, rootPem] } }));
      say(`${host} → ${address}:443, trusting Caddy's internal root CA`);
      return { conformanceEnv: { SOPHIA_CONFORMANCE_RESOLVE: `${host}=${address}`, NODE_EXTRA_CA_CERTS: caFile } };
    };

    // ------------------------------------------------------------ Lambda's everyday failures, through the engine
    // A key POST answered 500 after the key was made, and a launch answered 500 after the instance
    // was: the key is adopted, the stray instance found and terminated, and `pulumi up` stops with our
    // message (never "[object Object]" or "error: undefined").
    account.faults.sshKeyCreateFailsAfterCreate = 1;
    account.faults.launchFailsAfterCreate = 1;
    const faulted = await capturingStdout(() => runDeploy({ stackName: STACK, cli, backend, reach }));
    const engineSaid = /error: .*Lambda Cloud POST \/instance-operations\/launch failed \(global\/unknown\)[^\n]*/.exec(faulted.output)?.[0] ?? "";
    const adopted = /SSH key \S+ \(key-\d+\) already holds this public key[^\n]*adopting it/.exec(faulted.output)?.[0] ?? "";
    const unreadable = /\[object Object\]|error: undefined/.test(faulted.output);
    // Other nodes of a fleet may have launched in the same `up`: they are in the state. The stray is
    // any live instance the state does not hold.
    const inState = new Set(
      ((await handle.stack.exportStack()).deployment?.resources ?? [])
        .filter((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/lambda:Instance")
        .map((r: { outputs?: { instanceId?: string } }) => r.outputs?.instanceId),
    );
    const strays = account.liveInstances().filter((i) => !inState.has(i.id));
    step(
      "faults through the engine: a key POST and a launch answered 500 after Lambda acted; the key adopted, the stray terminated, our message shown",
      !!faulted.result.stopped && engineSaid !== "" && adopted !== "" && !unreadable && strays.length === 0 && account.sshKeys.size === 1,
      `engine: ${engineSaid || "(no launch message)"}; provider: ${adopted || "(no adoption line)"}; ${strays.length} live instances outside the state (${account.liveInstances().length - strays.length} in it), ${account.sshKeys.size} key(s)${unreadable ? "; the output has [object Object] or error: undefined" : ""}`,
    );
    // No capacity for each node's first candidate for the whole first up: every type in the first
    // region, and the platform node's own type in its filesystem's region (the only one it may launch
    // in). Every node it launches lands on a later candidate (a fleet's other nodes launched in the
    // fault pass). Capacity returns after it.
    const dataRegion = (committed.config["sophia:dataFilesystem"] as { region?: string } | undefined)?.region;
    const platformType = platformTypeOf(plan, pool.instanceTypes);
    const dry = [...pool.instanceTypes.map((t) => `${t}@${pool.regions[0]}`), ...(dataRegion && platformType ? [`${platformType}@${dataRegion}`] : [])];
    for (const key of dry) account.faults.capacityFlaps.set(key, 1000);
    const launchedBefore = new Set(account.liveInstances().map((i) => i.id));

    // ------------------------------------------------------------ deploy, twice
    const first = await runDeploy({ stackName: STACK, cli, backend, reach });
    const landedOn = account.liveInstances().filter((i) => !launchedBefore.has(i.id));
    const landed = landedOn.map((i) => `${i.name} ${i.instance_type.name} in ${i.region.name}`);
    const refusals = dry.reduce((sum, key) => sum + 1000 - (account.faults.capacityFlaps.get(key) ?? 1000), 0);
    account.faults.capacityFlaps.clear();
    step(
      "no capacity for the first candidates: every node the first up launches lands on a later candidate",
      landedOn.length > 0 && landedOn.every((i) => !dry.includes(`${i.instance_type.name}@${i.region.name}`)),
      `${landed.join(", ")} (no capacity during the first up for ${dry.join(", ")}: ${refusals} launch(es) refused there)`,
    );
    const firstPassed = first.results.filter((r) => r.ok).length;
    step("first up: the post-deploy checklist through the TLS ingress", first.ok, first.stopped ?? `${firstPassed}/${first.results.length} checks, ${first.created} created`);
    const nodes = account.liveInstances().length;
    launched = nodes;
    step("the fake launched one instance per placed node, each a throwaway host", nodes >= 1 && nodes <= hosts.length, `${nodes} instance(s): ${account.liveInstances().map((i) => `${i.name} ${i.instance_type.name} ${i.ip}`).join("; ")}`);
    if (!first.stopped) {
      // ------------------------------------------------------------ certificates across a restart
      const onNode = (args: string[]) => run("docker", ["exec", ingress.container, "docker", ...args]).then((r) => r.stdout.trim());
      const served = () => servedCertificate(ingress);
      const files = () => onNode(["exec", `sophia-${STACK}-ingress`, "find", "/data/caddy/certificates", "-type", "f"]);
      const [certBefore, filesBefore] = [await served(), await files()];
      await onNode(["restart", `sophia-${STACK}-ingress`]);
      for (let i = 0; i < 100 && (await onNode(["inspect", "-f", "{{.State.Health.Status}}", `sophia-${STACK}-ingress`])) !== "healthy"; i++) await new Promise((r) => setTimeout(r, 300));
      const [certAfter, filesAfter] = [await served(), await files()];
      say(`ingress certificates before the restart:\n${filesBefore}\nafter:\n${filesAfter}`);
      step(
        "the ingress's certificate survives a container restart, kept on its volume",
        certBefore === certAfter && filesBefore === filesAfter && filesBefore.includes(".crt"),
        `served ${certBefore.slice(0, 29)}… before and ${certAfter === certBefore ? "the same" : certAfter.slice(0, 29)} after; ${filesBefore.split("\n").length} files on the volume, ${filesAfter === filesBefore ? "unchanged" : "changed"}`,
      );

      const second = await runDeploy({ stackName: STACK, cli, backend, reach });
      step("second up changes nothing", !second.stopped && second.created === 0 && second.updated === 0, second.stopped ?? `${second.created} created, ${second.updated} updated; checklist ${second.results.filter((r) => r.ok).length}/${second.results.length}`);

      // ------------------------------------------------------------ a node whose host key changed
      const node = hosts[0]!;
      await node.ssh("true");
      await run("docker", ["exec", node.container, "sh", "-c", "mkdir -p /root/pinned && cp -a /etc/ssh/ssh_host_* /root/pinned/"]);
      await node.rotateHostKeys();
      const refused = await handle.stack.preview({ configFile: handle.configFile, color: "never" }).then(
        () => "",
        (error: Error) => error.message,
      );
      const message = /node \S+: its SSH host key changed since it was pinned.*?the next contact pins the new key\./.exec(refused)?.[0] ?? "";
      step("a changed host key is refused, naming both fingerprints and what to do", message !== "", message || `expected a refusal; got ${refused.slice(-300) || "a preview that passed"}`);
      await run("docker", ["exec", node.container, "sh", "-c", "cp -a /root/pinned/ssh_host_* /etc/ssh/ && kill -HUP 1"]);
      await new Promise((resolve) => setTimeout(resolve, 500));

      // ------------------------------------------------------------ rotating the deploy key
      const nodes = hosts.filter((_, i) => account.liveInstances().some((instance) => instance.ip === addresses[i]));
      step(...(await rotateDeployKey({ account, nodes, previousPrivateKey: hosts[0]!.privateKey(), handle, deploy: () => runDeploy({ stackName: STACK, cli, backend, reach }), setPublicKey: (key) => (deployPublicKey = key) })));

      if (fleet && fleetSmaller) {
        // ------------------------------------------------------------ a node dies, and recovers on its own
        const outputs = first.outputs;
        const nodeAddresses = outputs.nodeAddresses!.value as Record<string, string>;
        const hub = outputs.mcpNode!.value as string;
        const pools = outputs.agentPoolUrls!.value as Record<string, { node: string; url: string; category: string; agents: string[] }>;
        const victimPool = Object.values(pools).find((p) => p.node !== hub)!;
        const victimAddress = nodeAddresses[victimPool.node]!;
        const hubHost = hosts[addresses.indexOf(nodeAddresses[hub]!)]!;
        const hubDocker = (args: string[]) => run("docker", ["exec", hubHost.container, "docker", ...args], { maxBuffer: 1 << 24 }).then((r) => r.stdout.trim());
        const recovery = await killAndRecover({
          victim: { id: victimPool.node, host: hosts[addresses.indexOf(victimAddress)]!, address: victimAddress },
          hubDocker,
          stack: STACK,
          ingress: { url: outputs.ingressUrl!.value as string, token: (outputs.mcpTokens!.value as Record<string, string>).cursor! },
          pool: { category: victimPool.category, agent: victimPool.agents[0]!, url: victimPool.url },
          say,
        }).catch((error: Error) => ({ ok: false, detail: error.message }));
        step("a non-platform node killed: its node-down alert reaches the alert log, route_task to its pool fails naming it, and all recovers after it boots, with no up", recovery.ok, recovery.detail);

        // ------------------------------------------------------------ the fleet shrinks by one node, and grows back
        for (const [label, next] of [["shrinks", fleetSmaller], ["grows", fleet]] as const) {
          const before = new Map(account.liveInstances().map((i) => [i.name, i.id]));
          shape = next;
          const resized = await runDeploy({ stackName: STACK, cli, backend, reach });
          const after = new Map(account.liveInstances().map((i) => [i.name, i.id]));
          const kept = [...before].filter(([name]) => after.has(name));
          const replaced = kept.filter(([name, id]) => after.get(name) !== id);
          const added = [...after.keys()].filter((name) => !before.has(name));
          const removed = [...before.keys()].filter((name) => !after.has(name));
          const checks = `checklist ${resized.results.filter((r) => r.ok).length}/${resized.results.length}`;
          step(
            `the fleet ${label} by one node with a real up: ${before.size} → ${next.nodes.length} nodes, no other node replaced`,
            !resized.stopped && resized.ok && after.size === next.nodes.length && replaced.length === 0,
            resized.stopped ?? `${before.size} → ${after.size} instances; added ${added.join(", ") || "none"}, removed ${removed.join(", ") || "none"}; ${kept.length} untouched, ${replaced.length} replaced; ${resized.created} created, ${resized.updated} updated; ${checks}`,
          );
        }
        const settled = await runDeploy({ stackName: STACK, cli, backend, reach });
        step("after the grow, another up changes nothing", !settled.stopped && settled.created === 0 && settled.updated === 0, settled.stopped ?? `${settled.created} created, ${settled.updated} updated`);
      }
    }

    if (!fleet && !first.stopped) {
      // ------------------------------------------------------------ the platform node replaced, its data kept
      const filesystem = committed.config["sophia:dataFilesystem"] as { name: string } | undefined;
      if (!filesystem) step("data kept across a node replacement", false, `stacks/Pulumi.${STACK}.yaml has no sophia:dataFilesystem: nothing keeps the platform's state`);
      else {
        const replacement = await replaceThePlatformNode({
          account,
          stack: STACK,
          filesystemDir: path.join(filesystems, filesystem.name),
          outputs: first.outputs,
          servedCertificate: () => servedCertificate(ingress),
          onPlatformNode: (args) => run("docker", ["exec", ingress.container, "docker", ...args], { maxBuffer: 1 << 24 }).then((r) => r.stdout.trim()),
          replace: () => {
            // The type the platform node runs on is no longer allowed. It landed on its fallback (the
            // first up had no capacity for placement's type), so placement keeps the node (same id)
            // and its candidates lose the running type: Pulumi replaces the instance in place, as
            // for a node Lambda retired or one that must move region.
            const running = account.liveInstances().find((i) => i.name?.endsWith(first.outputs.mcpNode!.value as string))?.instance_type.name;
            instanceTypes = pool.instanceTypes.filter((t) => t !== running);
            say(`replacing the platform node: sophia:nodePool.instanceTypes ${pool.instanceTypes.join(", ")} → ${instanceTypes.join(", ")}`);
            return runDeploy({ stackName: STACK, cli, backend, reach });
          },
          say,
        }).catch((error: Error) => ({ ok: false, name: "data kept across a node replacement", detail: error.message }));
        step(replacement.name, replacement.ok, replacement.detail);
      }
    }

    // ------------------------------------------------------------ destroy, and the account after it
    say("pulumi destroy");
    const destroyed = await handle.stack.destroy({ configFile: handle.configFile, color: "never", showSecrets: false, onOutput: (out) => process.stdout.write(out) }).then(
      (r) => `${r.summary.resourceChanges?.delete ?? 0} deleted`,
      (error: Error) => `FAILED: ${error.message.split("\n").slice(-3).join(" ")}`,
    );
    step("destroy", !destroyed.startsWith("FAILED"), destroyed);
    const left = { instances: account.liveInstances().length, keys: account.sshKeys.size, filesystems: account.filesystems.size, firewall: JSON.stringify(account.firewallRules) === JSON.stringify(firewallBefore) };
    orphaned = left.instances + left.keys + left.filesystems;
    step(
      "the fake's account after destroy: no instance, key or filesystem (staging's is not protected), the firewall as before",
      orphaned === 0 && left.firewall,
      `${left.instances} instances, ${left.keys} keys, ${left.filesystems} filesystems, firewall ${left.firewall ? "as before" : JSON.stringify(account.firewallRules)}`,
    );
    const requests = account.requests.length;
    step("the API key appeared in no request log or output", !JSON.stringify(account.requests).includes(apiKey), `${requests} API requests`);
  } catch (error) {
    step("rehearsal", false, (error as Error).message);
  } finally {
    await cleanup();
  }
  const passed = steps.filter((s) => s.ok).length;
  console.log(`rehearsal ${STACK}: ${passed}/${steps.length} checks passed, ${launched} nodes, ${orphaned} orphaned in ${seconds(started)}s`);
  return passed === steps.length ? 0 : 1;
}

/** The instance type placement chose for the platform node, from the committed plan's line for the
 * node that holds the platform's state (node ids are `<type with dashes>-<index>`). */
function platformTypeOf(plan: string, types: readonly string[]): string | undefined {
  const node = /^(\S+) holds the platform's state/m.exec(plan)?.[1];
  return node ? types.find((t) => node.startsWith(`${t.replace(/_/g, "-")}-`)) : undefined;
}

/** The SHA-256 fingerprint of the certificate the ingress serves for its name, checked against Caddy's CA. */
function servedCertificate(ingress: { readonly host: string; readonly address: string; readonly rootPem: string }): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: ingress.address, port: 443, servername: ingress.host, ca: [ingress.rootPem] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** Containers an earlier rehearsal started and did not remove (it was killed). */
async function leftoverContainers(): Promise<string[]> {
  const { stdout } = await run("docker", ["ps", "-aq", "--filter", `label=${REHEARSAL_LABEL}`]);
  return stdout.split("\n").filter(Boolean);
}

/** Runs `action` with this process's stdout also kept, for the engine's own lines. */
async function capturingStdout<T>(action: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    return { result: await action(), output: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

interface Rotation {
  readonly account: FakeLambdaCloud;
  /** The hosts standing in for launched instances. */
  readonly nodes: readonly ThrowawaySshHost[];
  /** The key every node accepts before the rotation. */
  readonly previousPrivateKey: string;
  readonly handle: Awaited<ReturnType<typeof openStack>>;
  readonly deploy: () => ReturnType<typeof runDeploy>;
  readonly setPublicKey: (publicKey: string) => void;
}

/** A new deploy key, the way docs/ARCHITECTURE.md tells an operator: the new pair in the config and the
 * old private key as sshPreviousPrivateKey for one `up`, then that removed and another `up`. Every
 * instance must stay, and every node must take the new key and refuse the old one. */
async function rotateDeployKey({ account, nodes, previousPrivateKey, handle, deploy, setPublicKey }: Rotation): Promise<[string, boolean, string]> {
  const name = "the deploy key rotates in place: every node kept, the new key in, the old one refused";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-rehearsal-key-"));
  try {
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sophia-rehearsal-rotated", "-f", path.join(dir, "id")]);
    const next = { publicKey: fs.readFileSync(path.join(dir, "id.pub"), "utf8").trim(), privateKey: fs.readFileSync(path.join(dir, "id"), "utf8") };
    const instancesBefore = account.liveInstances().map((i) => i.id).sort();
    const keysBefore = [...account.sshKeys.values()].map((k) => k.name);
    setPublicKey(next.publicKey);
    await handle.setSecret("sophia:sshPreviousPrivateKey", previousPrivateKey);
    await handle.setSecret("sophia:sshPrivateKey", next.privateKey);
    say(`rotating the deploy key: Lambda keys before ${keysBefore.join(", ")}`);
    const rotating = await deploy();
    const keysDuring = [...account.sshKeys.values()].map((k) => k.name);
    await handle.removeConfig("sophia:sshPreviousPrivateKey");
    const settled = await deploy();
    const instancesAfter = account.liveInstances().map((i) => i.id).sort();
    // Each node, reached as the checklist does, with only the new key and then only the old one.
    const login = async (host: ThrowawaySshHost, key: string) => {
      const file = path.join(dir, "probe");
      fs.writeFileSync(file, key, { mode: 0o600 });
      const probe = spawnSync("ssh", ["-i", file, "-p", String(host.port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", `${host.user}@127.0.0.1`, "true"]);
      return probe.status === 0;
    };
    const access = await Promise.all(nodes.map(async (h) => [await login(h, next.privateKey), await login(h, previousPrivateKey)]));
    const ok =
      !rotating.stopped && !settled.stopped && JSON.stringify(instancesBefore) === JSON.stringify(instancesAfter) && access.every(([fresh, old]) => fresh && !old) && keysDuring.length === keysBefore.length + 1;
    return [
      name,
      ok,
      `${rotating.stopped ?? `rotating up: ${rotating.created} created, ${rotating.updated} updated, checklist ${rotating.results.filter((r) => r.ok).length}/${rotating.results.length}`}; ` +
        `${settled.stopped ?? `settling up: ${settled.created} created, ${settled.updated} updated`}; instances ${instancesBefore.join(",")} → ${instancesAfter.join(",")}; ` +
        `Lambda keys during the rotation ${keysDuring.join(", ")} (the old one stays while the nodes launched with it run); nodes: ${access.map(([fresh, old]) => `new key ${fresh ? "in" : "REFUSED"}, old key ${old ? "STILL IN" : "refused"}`).join("; ")}`,
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
