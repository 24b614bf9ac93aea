// The schema of a stack's config (stacks/Pulumi.<stack>.yaml). Keys are full Pulumi config keys.
import { z } from "zod";
import { LAMBDA_INSTANCE_TYPE_NAMES } from "@sophia/agent-categories";
import { MCP_SERVER_NAMES } from "@sophia/mcp-servers/catalog";

export const ENVIRONMENTS = ["local", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const port = z.int().min(1).max(65535);
const positiveInt = z.int().positive();

const common = {
  "sophia:environment": z.enum(ENVIRONMENTS),
  /** protect: true on stateful resources (volumes, nodes), so `pulumi destroy` refuses them. */
  "sophia:protect": z.boolean(),
  /** MCP servers to run; absent means every server that needs no credentials. Optional ones (gong)
   * must be listed here, and then their secrets must be set. */
  "sophia:mcpServers": z.array(z.enum(MCP_SERVER_NAMES)).min(1).optional(),
  "sophia:placement": z.strictObject({
    gpuPolicy: z.enum(["fail", "cpu-fallback"]),
    reservePerNode: z.strictObject({ cpu: z.number().nonnegative(), memoryGiB: z.number().nonnegative() }),
  }),
  "sophia:ingress": z.strictObject({
    port,
    tls: z.boolean(),
    allowedCidrs: z.array(z.cidrv4()).min(1),
  }),
  "sophia:limits": z.strictObject({
    ingressMemoryMiB: positiveInt,
    mcpServerMemoryMiB: positiveInt,
    mcpServerCpus: z.number().positive(),
  }),
  "sophia:retention": z.strictObject({
    metricsDays: positiveInt,
    logMaxSizeMiB: positiveInt,
    logMaxFiles: positiveInt,
  }),
};

export const LocalConfigSchema = z.strictObject({
  ...common,
  "sophia:environment": z.literal("local"),
  "sophia:local": z.strictObject({
    /** What the local machine lends the platform; placement packs agents into it. */
    cpus: z.number().positive(),
    memoryGiB: z.number().positive(),
    dockerHost: z.string().regex(/^unix:\/\/\/.+/, "a unix socket URL such as unix:///var/run/docker.sock"),
    /** Base image the Dockerfiles build on; locally a debootstrapped image, as no registry is reachable. */
    baseImage: z.string().min(1),
  }),
});

export const LambdaConfigSchema = z
  .strictObject({
    ...common,
    "sophia:environment": z.enum(["staging", "production"]),
    "sophia:nodePool": z.strictObject({
      instanceTypes: z.array(z.enum(LAMBDA_INSTANCE_TYPE_NAMES as [string, ...string[]])).min(1),
      maxNodesPerType: positiveInt,
      /** Launch preference order: the first region with capacity wins. */
      regions: z.array(z.string().regex(/^[a-z]+-[a-z]+-\d+$/, "a Lambda region such as us-east-1")).min(1),
    }),
    "sophia:lambda": z.strictObject({
      apiUrl: z.url({ protocol: /^https?$/ }),
      sshUser: z.string().min(1),
      /** Public half of the deploy key; the private half is the secret sophia:sshPrivateKey. */
      sshPublicKey: z.string().regex(/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+( .*)?$/, "an OpenSSH public key (ssh-ed25519 AAAA…)"),
      /** CIDRs allowed to reach SSH on the nodes. */
      sshAllowedCidrs: z.array(z.cidrv4()).min(1),
    }),
  })
  .refine((c) => c["sophia:environment"] !== "production" || c["sophia:ingress"].tls, {
    message: "production serves MCP over TLS; expected true",
    path: ["sophia:ingress", "tls"],
  });

/** Keys whose values must be Pulumi secrets, per environment; `required` ones must be present. */
export const SECRET_KEYS: Record<Environment, { required: readonly string[]; optional: readonly string[] }> = {
  local: { required: [], optional: ["sophia:gongAccessKey", "sophia:gongAccessKeySecret"] },
  staging: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey"], optional: ["sophia:gongAccessKey", "sophia:gongAccessKeySecret"] },
  production: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey"], optional: ["sophia:gongAccessKey", "sophia:gongAccessKeySecret"] },
};

export type LocalConfig = z.infer<typeof LocalConfigSchema>;
export type LambdaConfig = z.infer<typeof LambdaConfigSchema>;
