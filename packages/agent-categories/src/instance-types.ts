// Lambda Cloud on-demand instance types, as typed data.
//
// Source: Lambda's public price list (https://lambda.ai/instances, "GPU instance hourly pricing per
// GPU"), as transcribed on 2026-09-20. The list quotes $/GPU-hour; an instance's price here is that
// figure times its GPU count. vCPU, RAM and storage are the list's figures; where the list omits a
// GPU's memory it is the GPU model's published size. Names are the API's `instance_type.name`
// (GET /api/v1/instance-types). The live API is the authority at deploy time: the lambda-node package
// re-checks capacity before launching, and prices here only steer placement.

export interface InstanceTypeSpec {
  readonly name: string;
  readonly description: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly storageGiB: number;
  readonly gpus: number;
  readonly gpuModel: string;
  /** Memory of each GPU, GiB. */
  readonly gpuMemoryGiB: number;
  /** On-demand price of the whole instance, USD per hour. */
  readonly pricePerHour: number;
  /** CPU architecture: images are built for it, and a node never falls back to another one. */
  readonly architecture: CpuArchitecture;
}

export type CpuArchitecture = "x86_64" | "arm64";

function lambdaType(
  name: string,
  gpus: number,
  gpuModel: string,
  gpuMemoryGiB: number,
  vcpus: number,
  memoryGiB: number,
  storageGiB: number,
  pricePerGpuHour: number,
  architecture: CpuArchitecture = "x86_64",
): InstanceTypeSpec {
  const pricePerHour = Math.round(pricePerGpuHour * gpus * 100) / 100;
  return { name, description: `${gpus}x ${gpuModel} (${gpuMemoryGiB} GB)`, vcpus, memoryGiB, storageGiB, gpus, gpuModel, gpuMemoryGiB, pricePerHour, architecture };
}

export const LAMBDA_INSTANCE_TYPES = {
  gpu_1x_rtx6000: lambdaType("gpu_1x_rtx6000", 1, "Quadro RTX 6000", 24, 14, 46, 512, 0.69),
  gpu_1x_a10: lambdaType("gpu_1x_a10", 1, "A10", 24, 30, 226, 1331, 1.29),
  gpu_1x_gh200: lambdaType("gpu_1x_gh200", 1, "GH200", 96, 64, 432, 4096, 2.29, "arm64"), // Grace CPU: aarch64
  gpu_1x_h100_pcie: lambdaType("gpu_1x_h100_pcie", 1, "H100 PCIe", 80, 26, 225, 1024, 3.29),
  gpu_1x_h100_sxm5: lambdaType("gpu_1x_h100_sxm5", 1, "H100 SXM", 80, 26, 225, 2816, 4.29),
  gpu_1x_b200_sxm6: lambdaType("gpu_1x_b200_sxm6", 1, "B200 SXM6", 180, 26, 360, 2816, 6.99),
  gpu_2x_h100_sxm5: lambdaType("gpu_2x_h100_sxm5", 2, "H100 SXM", 80, 52, 450, 5632, 4.19),
  gpu_2x_b200_sxm6: lambdaType("gpu_2x_b200_sxm6", 2, "B200 SXM6", 180, 52, 720, 5632, 6.89),
  gpu_4x_a6000: lambdaType("gpu_4x_a6000", 4, "RTX A6000", 48, 56, 400, 1024, 1.09),
  gpu_4x_h100_sxm5: lambdaType("gpu_4x_h100_sxm5", 4, "H100 SXM", 80, 104, 900, 11264, 4.09),
  gpu_4x_b200_sxm6: lambdaType("gpu_4x_b200_sxm6", 4, "B200 SXM6", 180, 104, 1440, 11264, 6.79),
  gpu_8x_v100: lambdaType("gpu_8x_v100", 8, "Tesla V100", 16, 88, 448, 5939, 0.79),
  gpu_8x_a100: lambdaType("gpu_8x_a100", 8, "A100 SXM", 40, 124, 1800, 5939, 1.99),
  gpu_8x_a100_80gb_sxm4: lambdaType("gpu_8x_a100_80gb_sxm4", 8, "A100 SXM", 80, 240, 1800, 19968, 2.79),
  gpu_8x_h100_sxm5: lambdaType("gpu_8x_h100_sxm5", 8, "H100 SXM", 80, 208, 1800, 22528, 3.99),
  gpu_8x_b200_sxm6: lambdaType("gpu_8x_b200_sxm6", 8, "B200 SXM6", 180, 208, 2900, 22528, 6.69),
} as const satisfies Record<string, InstanceTypeSpec>;

/** A Lambda instance type name; a typo fails to compile (and fails config validation at run time). */
export type LambdaInstanceType = keyof typeof LAMBDA_INSTANCE_TYPES;

export const LAMBDA_INSTANCE_TYPE_NAMES = Object.keys(LAMBDA_INSTANCE_TYPES) as LambdaInstanceType[];

export function isLambdaInstanceType(value: string): value is LambdaInstanceType {
  return Object.prototype.hasOwnProperty.call(LAMBDA_INSTANCE_TYPES, value);
}

/**
 * Lambda Cloud's public region codes: the `PublicRegionCode` enum of the Cloud API's OpenAPI
 * specification, as published in its generated clients on 2026-11-25 (its two `test-*` codes left
 * out). Which types a region offers changes by the hour and is not published as a table: the launch
 * reads it live (`GET /instance-types`) and names a type no region offers.
 */
export const LAMBDA_REGIONS = [
  "asia-northeast-1",
  "asia-northeast-2",
  "asia-south-1",
  "australia-east-1",
  "europe-central-1",
  "me-west-1",
  "us-east-1",
  "us-east-2",
  "us-east-3",
  "us-midwest-1",
  "us-midwest-2",
  "us-south-1",
  "us-south-2",
  "us-south-3",
  "us-west-1",
  "us-west-2",
  "us-west-3",
] as const;
export type LambdaRegion = (typeof LAMBDA_REGIONS)[number];
