// What the smoke's applier (CI's stand-in for a real engine) claims: the order it creates resources
// in follows dependsOn and input references, and no input it does not apply passes silently, nested
// keys included.
import type { PlannedResource } from "@sophia/plan";
import { SECRET_SIG_KEY } from "@sophia/plan";
import { applyOrder, applyResource, containerCreation, SmokeError, smokeNamespace } from "./local-stack";

const resource = (type: string, name: string, extra: Partial<PlannedResource> = {}): PlannedResource => ({ type, name, custom: true, inputs: {}, dependsOn: [], protect: false, ...extra });
const names = (rs: readonly PlannedResource[]) => rs.map((r) => r.name);

describe("applyOrder", () => {
  it("creates networks, volumes and images before any container, whatever the registration order", () => {
    const order = applyOrder([
      resource("docker:index/container:Container", "app"),
      resource("docker:index/image:Image", "app-image"),
      resource("docker:index/volume:Volume", "data"),
      resource("docker:index/network:Network", "net"),
    ]);
    expect(names(order)).toEqual(["net", "data", "app-image", "app"]);
  });

  it("puts a container after every descendant of a component it depends on, though registered first", () => {
    const order = applyOrder([
      resource("docker:index/container:Container", "agents", { dependsOn: ["sophia:mcp:Platform::mcp"] }),
      resource("sophia:mcp:Platform", "mcp", { custom: false }),
      resource("docker:index/container:Container", "ingress", { parent: "sophia:mcp:Platform::mcp", dependsOn: ["docker:index/container:Container::server"] }),
      resource("docker:index/container:Container", "server", { parent: "sophia:mcp:Platform::mcp" }),
    ]);
    expect(names(order).indexOf("server")).toBeLessThan(names(order).indexOf("ingress"));
    expect(names(order).indexOf("ingress")).toBeLessThan(names(order).indexOf("agents"));
  });

  it("inherits a parent component's dependsOn", () => {
    const order = applyOrder([
      resource("sophia:agents:RuntimePools", "pools", { custom: false, dependsOn: ["docker:index/container:Container::server"] }),
      resource("docker:index/container:Container", "pool-a", { parent: "sophia:agents:RuntimePools::pools" }),
      resource("docker:index/container:Container", "server"),
    ]);
    expect(names(order).indexOf("server")).toBeLessThan(names(order).indexOf("pool-a"));
  });

  it("refuses a cycle and a dependsOn on nothing registered, naming them", () => {
    expect(() =>
      applyOrder([
        resource("docker:index/container:Container", "a", { dependsOn: ["docker:index/container:Container::b"] }),
        resource("docker:index/container:Container", "b", { dependsOn: ["docker:index/container:Container::a"] }),
      ]),
    ).toThrow(/dependency cycle: .*::a → .*::b → .*::a/);
    expect(() => applyOrder([resource("docker:index/container:Container", "a", { dependsOn: ["docker:index/container:Container::ghost"] })])).toThrow(
      "docker:index/container:Container::a: dependsOn docker:index/container:Container::ghost is not a registered resource",
    );
  });
});

describe("applyResource", () => {
  const created = () => ({ containers: [], networks: [], volumes: [] });

  it.each([
    ["docker:index/container:Container", { name: "c", image: "i", healthcheck: { tests: ["CMD", "true"], startInterval: "1s" } }, "input healthcheck.startInterval is not applied"],
    ["docker:index/container:Container", { name: "c", image: "i", ports: [{ internal: 1, external: 2, hostIpMode: "x" }] }, "input ports.hostIpMode is not applied"],
    ["docker:index/container:Container", { name: "c", image: "i", volumes: [{ volumeName: "v", containerPath: "/d", fromContainer: "x" }] }, "input volumes.fromContainer is not applied"],
    ["docker:index/container:Container", { name: "c", image: "i", volumes: [{ volumeName: "v", containerPath: "/d", hostPath: "/etc" }] }, "each needs a volumeName or a hostPath"],
    ["docker:index/container:Container", { name: "c", image: "i", privileged: true }, "input privileged is not applied"],
    ["docker:index/image:Image", { imageName: "i", skipPush: true, build: { context: ".", dockerfile: "Dockerfile", target: "dev" } }, "input build.target is not applied"],
    ["docker:index/network:Network", { name: "n", labels: [{ label: "a", value: "b", extra: 1 }] }, "input labels.extra is not applied"],
  ])("refuses %s with an input it would not apply (%j), before touching Docker", async (type, inputs, message) => {
    const r = resource(type, "r", { inputs });
    await expect(applyResource(r, created(), new Map())).rejects.toThrow(SmokeError);
    await expect(applyResource(r, created(), new Map())).rejects.toThrow(message);
  });
});

describe("smokeNamespace", () => {
  it("renames containers, networks and volumes into the smoke's namespace, moves the published port, and changes nothing else", () => {
    const [network, volume, container, image] = smokeNamespace(
      [
        resource("docker:index/network:Network", "local-mcp", { inputs: { name: "sophia-mcp", internal: true } }),
        resource("docker:index/volume:Volume", "data", { inputs: { name: "sophia-local-memory-data" } }),
        resource("docker:index/container:Container", "ingress", {
          inputs: {
            name: "sophia-local-ingress",
            networksAdvanced: [{ name: "sophia-mcp", aliases: ["ingress"] }],
            volumes: [
              { volumeName: "sophia-local-memory-data", containerPath: "/data" },
              { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
            ],
            ports: [{ internal: 8080, external: 8443, ip: "127.0.0.1", protocol: "tcp" }],
            memory: 128,
          },
        }),
        resource("docker:index/image:Image", "img", { inputs: { imageName: "sophia/mcp-ingress:local" } }),
      ],
      40123,
    );
    expect(network!.inputs).toEqual({ name: "sophia-smoke-mcp", internal: true });
    expect(volume!.inputs).toEqual({ name: "sophia-smoke-memory-data" });
    expect(container!.inputs).toEqual({
      name: "sophia-smoke-ingress",
      networksAdvanced: [{ name: "sophia-smoke-mcp", aliases: ["ingress"] }],
      volumes: [
        { volumeName: "sophia-smoke-memory-data", containerPath: "/data" },
        { hostPath: "/proc", containerPath: "/host/proc", readOnly: true },
      ],
      ports: [{ internal: 8080, external: 40123, ip: "127.0.0.1", protocol: "tcp" }],
      memory: 128,
    });
    expect(image!.inputs).toEqual({ imageName: "sophia/mcp-ingress:local" });
  });
});

describe("containerCreation", () => {
  it("mounts a host path read-only as registered (node-exporter's /proc), a named volume by its name", () => {
    const r = resource("docker:index/container:Container", "c", {
      inputs: { name: "c", image: "img", volumes: [{ hostPath: "/proc", containerPath: "/host/proc", readOnly: true }, { volumeName: "data", containerPath: "/prometheus" }] },
    });
    const { args } = containerCreation(r, new Map());
    expect(args.join(" ")).toContain("--volume /proc:/host/proc:ro --volume data:/prometheus");
  });

  it("puts variable names on the docker command line and their values (tokens, keys) only in the CLI's environment", () => {
    const token = "t0ken-value-that-ps-must-never-show";
    const r = resource("docker:index/container:Container", "c", {
      inputs: { name: "c", image: "img", envs: { [SECRET_SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: ["PLAIN=1", `SOPHIA_MCP_TOKEN_X=${token}`, "MULTI=a\nb=c"] } as never },
    });
    const { args, envs } = containerCreation(r, new Map());
    expect(args.join(" ")).not.toContain(token);
    expect(args.join(" ")).not.toContain("PLAIN=1");
    expect(args).toEqual(["create", "--name", "c", "--env", "PLAIN", "--env", "SOPHIA_MCP_TOKEN_X", "--env", "MULTI", "--label", "sophia.smoke=true", "img"]);
    expect(envs).toEqual({ PLAIN: "1", SOPHIA_MCP_TOKEN_X: token, MULTI: "a\nb=c" });
  });
});
