// What the checklist says of containers' memory where Docker cannot report it (no cgroup memory
// controller; or limits enforced in the cgroup while Docker reports every container at 0 B, as on this
// project's build machines), and where it can.
import { CONTAINER_METRICS } from "@sophia/monitoring";
import type { DockerRunner } from "./docker-runner";
import { containersReported, dockerMemory, memoryNotMeasurable } from "./monitoring-checks";

/** Docker as the checks see it: `docker info`, `docker stats`, and Prometheus's answers for the three series. */
function engine(memoryLimit: boolean, statsUsage: string, telegrafBytes: number): DockerRunner {
  return async (args) => {
    if (args[0] === "info") return JSON.stringify(memoryLimit);
    if (args[0] === "stats") return `${statsUsage}\n`;
    const query = args.find((a) => a.startsWith("query="))!.slice("query=".length);
    const value = query.startsWith(CONTAINER_METRICS.memory) ? telegrafBytes : 0;
    return JSON.stringify({ data: { result: [{ metric: { container_name: "sophia-t-memory" }, value: [0, String(value)] }] } });
  };
}

test("Docker's own answers decide: no limit support, or every running container at 0 B, is not measurable", async () => {
  expect(await dockerMemory(engine(false, "0B / 0B", 0), ["c"])).toEqual({ enforced: false, measured: false });
  expect(await dockerMemory(engine(true, "0B / 0B", 0), ["c"])).toEqual({ enforced: true, measured: false });
  expect(await dockerMemory(engine(true, "48.2MiB / 512MiB", 0), ["c"])).toEqual({ enforced: true, measured: true });
});

test("where memory is not measurable, the figure says why instead of passing on 0–0 MiB", async () => {
  const figure = await containersReported(engine(true, "0B / 0B", 0), "prometheus", ["sophia-t-memory"], 1, { enforced: true, measured: false });
  expect(figure).toContain(memoryNotMeasurable(true));
  expect(figure).not.toContain("0–0 MiB");
  expect(memoryNotMeasurable(false)).toContain("no cgroup memory controller");
});

test("where Docker measures memory, a container Telegraf reports at 0 B fails, and a measured one passes with its figure", async () => {
  await expect(containersReported(engine(true, "48MiB / 512MiB", 0), "prometheus", ["sophia-t-memory"], 1, { enforced: true, measured: true })).rejects.toThrow(
    "memory reported as 0 B although Docker measures it: sophia-t-memory",
  );
  expect(await containersReported(engine(true, "48MiB / 512MiB", 48 * 2 ** 20), "prometheus", ["sophia-t-memory"], 1, { enforced: true, measured: true })).toContain("memory 48–48 MiB");
});
