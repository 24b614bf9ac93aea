// The exporters of a fleet node other than the platform's, in mock mode: the same specs as the
// platform node's, each published on the node's private address only, on the fleet network alone,
// and nothing else of monitoring there.
import { DockerRuntime } from "@sophia/docker-runtime";
import { evaluateComponent, type PlannedResource } from "@sophia/plan";
import { exporterContainerSpecs, MONITORING_PORTS, UPSTREAM_IMAGES } from "./containers";
import { NodeExporters, type NodeExportersArgs } from "./node-exporters";

const logs = { maxSizeMiB: 10, maxFiles: 2 };
const labels = { "sophia.stack": "t" };

async function plan(args: Omit<NodeExportersArgs, "runtime">, fleet = true): Promise<{ resources: readonly PlannedResource[]; outputs: Readonly<Record<string, unknown>> }> {
  return evaluateComponent(() => {
    const runtime = new DockerRuntime("rt", { host: "ssh://ubuntu@10.0.0.2", labels, platform: "linux/amd64", fleet });
    const exporters = new NodeExporters("gpu-node-exporters", { ...args, runtime });
    return { containers: exporters.containers };
  });
}

const containersOf = (resources: readonly PlannedResource[]) => resources.filter((r) => r.type === "docker:index/container:Container");

describe("NodeExporters with upstream images on a GPU node (mock mode)", () => {
  let resources: readonly PlannedResource[];
  let outputs: Readonly<Record<string, unknown>>;
  beforeAll(async () => {
    ({ resources, outputs } = await plan({ stack: "t", images: "upstream", baseImage: "debian:trixie-slim", privateAddress: "10.210.8.2", gpus: 1, logs }));
  });

  test("node-exporter, Telegraf and dcgm-exporter only, each published on the private address alone, on the fleet network alone", () => {
    const containers = containersOf(resources);
    expect(containers.map((c) => c.inputs.hostname).sort()).toEqual(["container-exporter", "gpu-exporter", "node-exporter"]);
    for (const c of containers) {
      const port = { "node-exporter": MONITORING_PORTS.nodeExporter, "container-exporter": MONITORING_PORTS.containerExporter, "gpu-exporter": MONITORING_PORTS.gpuExporter }[c.inputs.hostname as string];
      expect(c.inputs.ports).toEqual([{ internal: port, external: port, ip: "10.210.8.2", protocol: "tcp" }]);
      expect(c.inputs.networksAdvanced).toEqual([{ name: "sophia-fleet" }]);
      expect(c.parent).toBe("sophia:monitoring:NodeExporters::gpu-node-exporters");
    }
    expect(outputs.containers).toEqual({ nodeExporter: "sophia-t-node-exporter", containerExporter: "sophia-t-container-exporter", gpuExporter: "sophia-t-gpu-exporter" });
  });

  test("the containers are the platform node's exporter specs, from their pinned images, with nothing built", () => {
    const specs = exporterContainerSpecs({ stack: "t", images: "upstream", gpus: 1, scrapeIntervalSeconds: 15, logs, labels });
    for (const spec of specs) {
      const c = containersOf(resources).find((r) => r.inputs.hostname === spec.hostname)!;
      expect(c.inputs).toMatchObject({ name: spec.name, entrypoints: spec.entrypoints, envs: spec.envs, user: spec.user, readOnly: true, capabilities: spec.capabilities, image: UPSTREAM_IMAGES[spec.role as keyof typeof UPSTREAM_IMAGES] });
    }
    expect(resources.filter((r) => r.type === "docker:index/image:Image")).toEqual([]);
    expect(resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name).sort()).toEqual([UPSTREAM_IMAGES.containerExporter, UPSTREAM_IMAGES.gpuExporter, UPSTREAM_IMAGES.nodeExporter].sort());
  });
});

describe("NodeExporters with Debian-built images (mock mode)", () => {
  let resources: readonly PlannedResource[];
  beforeAll(async () => {
    ({ resources } = await plan({ stack: "t", images: "debian", baseImage: "sophia/base:trixie", privateAddress: "10.210.8.3", gpus: 1, logs }));
  });

  test("the monitoring image is built on the node, as Monitoring builds it; no dcgm-exporter (Debian has none), no other role", () => {
    expect(containersOf(resources).map((c) => c.inputs.hostname).sort()).toEqual(["container-exporter", "node-exporter"]);
    const images = resources.filter((r) => r.type === "docker:index/image:Image");
    expect(images.map((r) => r.name)).toEqual(["gpu-node-exporters-image"]);
    expect(images[0]!.inputs).toMatchObject({ skipPush: true, imageName: "sophia/monitoring:t", build: { args: { BASE_IMAGE: "sophia/base:trixie" } } });
    for (const c of containersOf(resources)) expect((c.inputs.ports as { ip: string }[])[0]!.ip).toBe("10.210.8.3");
  });
});

test("a runtime without the fleet network, or an address that is not a private IPv4 address, is refused by name", async () => {
  await expect(plan({ stack: "t", images: "upstream", baseImage: "b", privateAddress: "10.210.8.2", gpus: 0, logs }, false)).rejects.toThrow("NodeExporters gpu-node-exporters: runtime: expected a runtime with the fleet network");
  // 0.0.0.0 would publish the exporters on every address, the public one too.
  await expect(plan({ stack: "t", images: "upstream", baseImage: "b", privateAddress: "0.0.0.0", gpus: 0, logs })).rejects.toThrow('privateAddress: expected the node\'s private IPv4 address (its WireGuard address); got "0.0.0.0"');
});
