import { DEFAULT_AGENTS, defineAgent } from "./agents";
import { agentDemands, lambdaOffers, localOffer } from "./demand";
import { explainPlacement } from "./explain";
import fc from "fast-check";
import { type PlacedNode, type PlacementInput, PlacementError, placeAgents, platformNodeId } from "./placement";
import { propertyRuns } from "./property-runs";
import { randomPlacementInput } from "./random-instance";

const reservePerNode = { cpu: 2, memoryGiB: 8 };
const categories = Object.fromEntries(DEFAULT_AGENTS.map((a) => [a.name, a.category]));

describe("placement of the default agents", () => {
  it("puts the GPU agent in a GPU pool on the cheapest node that fits everything", async () => {
    const placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers(["gpu_1x_a10", "gpu_1x_h100_pcie"], 2), reservePerNode, gpuPolicy: "fail" });
    expect(placement.nodes.map((n) => n.offer)).toEqual(["gpu_1x_a10"]);
    expect(placement.assignments["research-scout"]).toBe("gpu-1x-a10-0-research-gpu");
    expect(placement.assignments["orchestrator"]).toBe("gpu-1x-a10-0-core-orchestration-cpu");
    expect(placement.costPerHour).toBe(1.29);
    expect(placement.lowerBoundPerHour).toBe(1.29);
  });

  it("explains each node and pool with its price", async () => {
    const placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers(["gpu_1x_a10"], 1), reservePerNode, gpuPolicy: "fail" });
    const text = explainPlacement(placement, categories).join("\n");
    expect(text).toContain("1 node(s), $1.29/hour");
    expect(text).toMatch(/pool gpu-1x-a10-0-research-gpu: \$\d+\.\d\d\/hour — needs 1 GPU/);
    expect(text).toContain("research-scout (research)");
  });

  it("refuses GPU agents on the local machine under the fail policy, naming the agent", async () => {
    const input: PlacementInput = { agents: agentDemands(DEFAULT_AGENTS), offers: [localOffer(8, 16)], reservePerNode: { cpu: 0, memoryGiB: 0 }, gpuPolicy: "fail" };
    await expect(placeAgents(input)).rejects.toThrow(/^agent research-scout \(category research\) fits on no node: it needs 4 vCPU, 16 GiB, 1 GPU with ≥ 24 GiB and this environment's nodes have no GPU/);
  });

  it("runs GPU agents on CPU with a warning under the cpu-fallback policy", async () => {
    const placement = await placeAgents({ agents: agentDemands(DEFAULT_AGENTS), offers: [localOffer(16, 48)], reservePerNode: { cpu: 0, memoryGiB: 0 }, gpuPolicy: "cpu-fallback" });
    expect(placement.assignments["research-scout"]).toBe("local-0-research-cpu");
    expect(placement.pools.every((p) => !p.gpu)).toBe(true);
    expect(placement.warnings).toEqual([expect.stringContaining("agent research-scout (category research) needs 1 GPU with ≥ 24 GiB; no node here has one")]);
    expect(placement.costPerHour).toBe(0);
  });

  it("names the agent that fits on no instance type", async () => {
    const giant = defineAgent({ name: "giant-model", category: "research", instructions: "x", needs: { gpu: { count: 1, minMemoryGiB: 500 } } });
    await expect(placeAgents({ agents: agentDemands([...DEFAULT_AGENTS, giant]), offers: lambdaOffers(["gpu_1x_a10", "gpu_8x_h100_sxm5"], 4), reservePerNode, gpuPolicy: "fail" })).rejects.toThrow(
      /^agent giant-model \(category research\) fits on no node: it needs 4 vCPU, 16 GiB, 1 GPU with ≥ 500 GiB/,
    );
  });

  it("names an agent that does not fit once the pool's node limit is reached", async () => {
    const many = Array.from({ length: 40 }, (_, i) => defineAgent({ name: `helper-${i}`, category: "code-assistance", instructions: "x" }));
    const error = await placeAgents({ agents: agentDemands(many), offers: lambdaOffers(["gpu_1x_rtx6000"], 2), reservePerNode, gpuPolicy: "fail" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlacementError);
    expect((error as PlacementError).message).toMatch(/^agent helper-\d+ \(category code-assistance\) fits nowhere: .* the node pool \(2× gpu_1x_rtx6000\) is full/);
  });

  it("rejects an agent listed twice", async () => {
    const twice = agentDemands([DEFAULT_AGENTS[0]!, DEFAULT_AGENTS[0]!]);
    await expect(placeAgents({ agents: twice, offers: lambdaOffers(["gpu_1x_a10"], 1), reservePerNode, gpuPolicy: "fail" })).rejects.toThrow("agent orchestrator is listed twice");
  });
});

describe("placement on generated fleets", () => {
  it.each([
    [100, 1],
    [1000, 7],
  ])("places %i agents within 3%% of the lower bound (seed %i)", async (n, seed) => {
    const placement = await placeAgents(randomPlacementInput(n, seed));
    expect(Object.keys(placement.assignments)).toHaveLength(n);
    expect(placement.costPerHour).toBeGreaterThanOrEqual(placement.lowerBoundPerHour);
    expect(placement.costPerHour / placement.lowerBoundPerHour).toBeLessThanOrEqual(1.03);
  });
});

describe("the node that runs the MCP platform", () => {
  it("depends on which nodes there are, never on the order placement lists them in", () => {
    const ids = ["gpu-1x-h100-pcie-0", "gpu-1x-a10-1", "gpu-1x-a10-0", "gpu-4x-a6000-0"];
    const orders = [ids, [...ids].reverse(), [ids[2]!, ids[0]!, ids[3]!, ids[1]!]];
    for (const order of orders) expect(platformNodeId({ nodes: order.map((id) => ({ id }) as PlacedNode) })).toBe("gpu-1x-a10-0");
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 8 }), fc.infiniteStream(fc.nat()), (names, picks) => {
        const nodes = names.map((id) => ({ id }) as PlacedNode);
        const shuffled = [...nodes].sort(() => (picks.next().value % 3) - 1);
        expect(platformNodeId({ nodes: shuffled })).toBe(platformNodeId({ nodes }));
        expect(names).toContain(platformNodeId({ nodes }));
      }),
      propertyRuns(100),
    );
  });
});
