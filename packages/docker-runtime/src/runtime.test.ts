import { evaluateComponent } from "@sophia/plan";
import { dockerHostUrl } from "./networks";
import { DockerRuntime } from "./runtime";

describe("DockerRuntime", () => {
  it("registers a docker provider for its host and the edge, internal mcp and internal monitoring networks under it", async () => {
    const { resources } = await evaluateComponent(() => {
      new DockerRuntime("rt", { host: "unix:///var/run/docker.sock", labels: { "sophia.stack": "test" }, platform: "linux/amd64" });
    }, "test");
    const summary = resources.map((r) => [r.type, r.name, r.parent ?? "stack", r.provider ?? "-"]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["sophia:docker:DockerRuntime", "rt", "stack", "-"],
        ["pulumi:providers:docker", "rt", "sophia:docker:DockerRuntime::rt", "-"],
        ["docker:index/network:Network", "rt-edge", "sophia:docker:DockerRuntime::rt", "rt"],
        ["docker:index/network:Network", "rt-mcp", "sophia:docker:DockerRuntime::rt", "rt"],
        ["docker:index/network:Network", "rt-monitoring", "sophia:docker:DockerRuntime::rt", "rt"],
      ]),
    );
    expect(resources).toHaveLength(5);
    expect(resources.find((r) => r.name === "rt-monitoring")!.inputs).toMatchObject({ name: "sophia-monitoring", internal: true });
    const mcp = resources.find((r) => r.name === "rt-mcp")!;
    expect(mcp.inputs).toMatchObject({ name: "sophia-mcp", internal: true, labels: [{ label: "sophia.stack", value: "test" }] });
    expect(resources.find((r) => r.type === "pulumi:providers:docker")!.inputs).toMatchObject({ host: "unix:///var/run/docker.sock" });
  });
});

describe("dockerHostUrl", () => {
  it("binds to the local socket or to a node over ssh", () => {
    expect(dockerHostUrl({ kind: "local", socket: "unix:///var/run/docker.sock" })).toBe("unix:///var/run/docker.sock");
    expect(dockerHostUrl({ kind: "ssh", user: "ubuntu", address: "192.0.2.10" })).toBe("ssh://ubuntu@192.0.2.10");
  });

  it("refuses a socket that is not a unix URL and a user that is not a user name", () => {
    expect(() => dockerHostUrl({ kind: "local", socket: "tcp://0.0.0.0:2375" })).toThrow('docker host: expected unix:///path/to/docker.sock; got "tcp://0.0.0.0:2375"');
    expect(() => dockerHostUrl({ kind: "ssh", user: "root;rm", address: "x" })).toThrow("expected a Unix user name");
  });
});
