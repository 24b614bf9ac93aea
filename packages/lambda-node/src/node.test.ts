// The node pool in the SDK's mock mode: which resources it registers, in which order of
// dependency, and that secrets stay secrets.
import * as pulumi from "@pulumi/pulumi";
import { evaluate, type PlannedResource, RecordingMocks, SECRET_SIG_KEY } from "@sophia/plan";
import { renderBootstrap } from "./bootstrap";
import { LambdaNodePool, type LambdaNodePoolArgs } from "./node";

const inbound = { sshCidrs: ["198.51.100.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] };
const poolArgs = (): LambdaNodePoolArgs => ({
  apiUrl: "https://cloud.lambda.ai/api/v1",
  apiKey: pulumi.secret("secret_lambda_key_value"),
  ssh: { user: "ubuntu", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample deploy", privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----") },
  inbound,
  logging: { logMaxSizeMiB: 100, logMaxFiles: 5 },
  gpuCheckImage: "nvidia/cuda:12.4.1-base-ubuntu22.04",
  nodes: [{ id: "gpu-1x-a10-0", gpus: 1, platform: "linux/amd64", candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }] }],
  labels: { "sophia.stack": "test" },
  protect: true,
});

let resources: readonly PlannedResource[];
beforeAll(async () => {
  // The instance's address, as Lambda would hand it out: with it known, the bootstrap's connection is
  // known too, and what it carries can be inspected (an unknown value hides whether it is secret).
  const mocks = new RecordingMocks({
    "pulumi-nodejs:dynamic/lambda:Instance": (_name, inputs) => ({ ...inputs, ip: "192.0.2.10" }),
    "pulumi-nodejs:dynamic/ssh:HostKey": (_name, inputs) => ({ ...inputs, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedHostKeyOfTheNode", fingerprint: "SHA256:x" }),
    "pulumi-nodejs:dynamic/ssh:DeployKey": (_name, inputs) => ({ ...inputs, fingerprint: "SHA256:y" }),
  });
  // Mid-rotation: the previous private key is given too.
  const args = poolArgs();
  const rotating = { ...args, ssh: { ...args.ssh, previousPrivateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY----- previous") } };
  ({ resources } = await evaluate({ project: "sophia", stack: "test", config: {}, secretKeys: [], program: () => void new LambdaNodePool("sophia-test", rotating), mocks }));
});

const byName = (name: string) => resources.find((r) => r.name === name)!;
const isSecret = (value: unknown) => typeof value === "object" && value !== null && SECRET_SIG_KEY in value;

test("registers key, firewall, instance, bootstrap and the Docker runtime, all under the pool", () => {
  expect(resources.map((r) => [r.type, r.name])).toEqual(
    expect.arrayContaining([
      ["sophia:lambda:NodePool", "sophia-test"],
      ["pulumi-nodejs:dynamic/lambda:SshKey", "sophia-test-deploy-key"],
      ["pulumi-nodejs:dynamic/lambda:FirewallRules", "sophia-test-firewall"],
      ["pulumi-nodejs:dynamic/lambda:Instance", "sophia-test-gpu-1x-a10-0"],
      ["pulumi-nodejs:dynamic/ssh:HostKey", "sophia-test-gpu-1x-a10-0-host-key"],
      ["pulumi-nodejs:dynamic/ssh:DeployKey", "sophia-test-gpu-1x-a10-0-deploy-key"],
      ["command:remote:Command", "sophia-test-gpu-1x-a10-0-bootstrap"],
      ["sophia:docker:DockerRuntime", "sophia-test-gpu-1x-a10-0-docker"],
      ["pulumi:providers:docker", "sophia-test-gpu-1x-a10-0-docker"],
    ]),
  );
  expect(byName("sophia-test-gpu-1x-a10-0").parent).toBe("sophia:lambda:NodePool::sophia-test");
});

test("the bootstrap runs only after the node's host key is pinned and its deploy key is current", () => {
  expect(byName("sophia-test-gpu-1x-a10-0-bootstrap").dependsOn).toEqual([
    "pulumi-nodejs:dynamic/ssh:HostKey::sophia-test-gpu-1x-a10-0-host-key",
    "pulumi-nodejs:dynamic/ssh:DeployKey::sophia-test-gpu-1x-a10-0-deploy-key",
  ]);
  expect(isSecret(byName("sophia-test-gpu-1x-a10-0-host-key").inputs.privateKey)).toBe(true);
  const deployKey = byName("sophia-test-gpu-1x-a10-0-deploy-key").inputs;
  expect(deployKey.hostKey).toBe("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedHostKeyOfTheNode");
  expect([isSecret(deployKey.privateKey), isSecret(deployKey.previousPrivateKey)]).toEqual([true, true]);
});

test("the Lambda key is named after the public key, so a rotated key is a new name, added before the old one goes", () => {
  expect(byName("sophia-test-deploy-key").inputs.name).toMatch(/^sophia-test-deploy-[0-9a-f]{8}$/);
});

test("the API key and the SSH private key reach the providers only as secrets", () => {
  for (const name of ["sophia-test-deploy-key", "sophia-test-firewall", "sophia-test-gpu-1x-a10-0"]) expect(isSecret(byName(name).inputs.apiKey)).toBe(true);
  const connection = byName("sophia-test-gpu-1x-a10-0-bootstrap").inputs.connection as Record<string, unknown>;
  expect(isSecret(connection) || isSecret(connection.privateKey)).toBe(true);
  const redacted = JSON.stringify(resources, (_key, value: unknown) => (isSecret(value) ? "[secret]" : value));
  expect(redacted).not.toContain("secret_lambda_key_value");
  expect(redacted).not.toContain("BEGIN OPENSSH PRIVATE KEY");
});

test("the bootstrap registers exactly the rendered command, script and script hash as trigger", () => {
  const rendered = renderBootstrap({ ...inbound, logMaxSizeMiB: 100, logMaxFiles: 5, expectGpus: 1, gpuCheckImage: "nvidia/cuda:12.4.1-base-ubuntu22.04" });
  const inputs = byName("sophia-test-gpu-1x-a10-0-bootstrap").inputs;
  expect(inputs.create).toBe(rendered.create);
  expect(inputs.triggers).toEqual([rendered.trigger]);
  expect(inputs.create).toContain("SOPHIA_INGRESS_PORT='443'");
});

test("firewall rules open only ssh and the ingress port, only from the configured CIDRs, owned by the pool", () => {
  expect(byName("sophia-test-firewall").inputs.owner).toBe("sophia-test");
  expect(byName("sophia-test-firewall").inputs.rules).toEqual([
    { protocol: "tcp", port_range: [22, 22], source_network: "198.51.100.0/24", description: "sophia/sophia-test: ssh from 198.51.100.0/24" },
    { protocol: "tcp", port_range: [443, 443], source_network: "203.0.113.0/24", description: "sophia/sophia-test: mcp ingress from 203.0.113.0/24" },
  ]);
});

test("the docker runtime is bound to the node's address, known once it has launched", () => {
  const provider = resources.find((r) => r.type === "pulumi:providers:docker")!;
  expect(provider.parent).toBe("sophia:docker:DockerRuntime::sophia-test-gpu-1x-a10-0-docker");
  expect(provider.inputs.host).toBe("ssh://ubuntu@192.0.2.10");
  // Docker's ssh accepts only the host key pinned at the node's first verified contact.
  // Provider config reaches the engine JSON-encoded.
  expect(JSON.parse(provider.inputs.sshOpts as string)).toEqual([
    "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null", "-o", "KnownHostsCommand=/bin/echo %H ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedHostKeyOfTheNode", "-o", "ServerAliveInterval=15",
  ]);
});
