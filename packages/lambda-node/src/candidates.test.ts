import { type CandidateType, launchCandidates } from "./candidates";

// Figures from Lambda's price list, as the category library's instance-type table has them.
const type = (name: string, vcpus: number, memoryGiB: number, gpuMemoryGiB: number, pricePerHour: number, architecture = "x86_64"): CandidateType => ({ name, vcpus, memoryGiB, gpus: 1, gpuMemoryGiB, pricePerHour, architecture });
const rtx6000 = type("gpu_1x_rtx6000", 14, 46, 24, 0.69);
const a10 = type("gpu_1x_a10", 30, 226, 24, 1.29);
const h100 = type("gpu_1x_h100_pcie", 26, 225, 80, 3.29);
const gh200 = type("gpu_1x_gh200", 64, 432, 96, 2.29, "arm64");

test("the chosen type comes first in every region, then larger types of the same architecture by price", () => {
  // a10 and h100 PCIe are at least as large as an rtx6000 in every dimension; a10 is cheaper.
  expect(launchCandidates(rtx6000, [h100, rtx6000, a10], ["us-east-1", "us-west-1"])).toEqual([
    { region: "us-east-1", instanceType: "gpu_1x_rtx6000" },
    { region: "us-west-1", instanceType: "gpu_1x_rtx6000" },
    { region: "us-east-1", instanceType: "gpu_1x_a10" },
    { region: "us-west-1", instanceType: "gpu_1x_a10" },
    { region: "us-east-1", instanceType: "gpu_1x_h100_pcie" },
    { region: "us-west-1", instanceType: "gpu_1x_h100_pcie" },
  ]);
  // An h100 PCIe has fewer vCPUs than an a10: not a fallback for it.
  expect(launchCandidates(a10, [a10, h100], ["us-east-1"]).map((c) => c.instanceType)).toEqual(["gpu_1x_a10"]);
});

test("a node never falls back to another CPU architecture: its images are built for the chosen type's", () => {
  // gh200 (arm64) is larger than an a10 in every dimension, yet never a fallback for it, nor the reverse.
  expect(launchCandidates(a10, [a10, gh200], ["us-east-1"]).map((c) => c.instanceType)).toEqual(["gpu_1x_a10"]);
  expect(launchCandidates(gh200, [a10, gh200, h100], ["us-east-1"]).map((c) => c.instanceType)).toEqual(["gpu_1x_gh200"]);
});
