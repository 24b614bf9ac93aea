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
    /** Who signs the ingress's certificate: a public ACME CA (default), or Caddy's internal CA, for a
     * rehearsal where no ACME CA can reach the node (clients must then trust Caddy's root). */
    tlsIssuer: z.enum(["acme", "internal"]).optional(),
    /** The DNS name clients use; with tls, Caddy gets its certificate for it. */
    host: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, "a DNS name such as mcp.example.com").optional(),
    allowedCidrs: z.array(z.cidrv4()).min(1),
  }),
  /** The agents' model: an OpenAI-compatible provider (key: the secret sophia:modelApiKey), or the
   * deterministic stub, which is test scaffolding for the local stack only. */
  "sophia:model": z.discriminatedUnion("provider", [
    z.strictObject({ provider: z.literal("openai-compatible"), baseUrl: z.url({ protocol: /^https?$/ }), id: z.string().min(1) }),
    z.strictObject({ provider: z.literal("stub") }),
  ]),
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
    /** The local engine's platform (`docker info`: x86_64 → linux/amd64, aarch64 → linux/arm64); images are built for it. */
    platform: z.enum(["linux/amd64", "linux/arm64"]),
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
    /** Every Dockerfile's BASE_IMAGE on the nodes: an upstream image pinned by digest. */
    "sophia:images": z.strictObject({
      /** Pinned by digest; only a rehearsal names the image it loaded onto its nodes by tag. */
      base: z.string().regex(/^[a-z0-9./_-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/, "an image pinned by digest, such as debian:trixie-slim@sha256:<64 hex>"),
    }),
    /** A rehearsal on one machine (tools/rehearse.ts): its nodes have no NVIDIA GPU, so GPU pools are
     * skipped, each with a warning, and have this machine's cores, so pools get no CPU quota; the base
     * image may be named by tag (the one the rehearsal loaded onto its nodes). Refused on production. */
    "sophia:rehearsal": z.boolean().optional(),
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
  })
  .refine((c) => c["sophia:rehearsal"] === true || /@sha256:[0-9a-f]{64}$/.test(c["sophia:images"].base), {
    message: "expected an image pinned by digest, such as debian:trixie-slim@sha256:<64 hex> (only a rehearsal, whose nodes hold the image it loaded, names one by tag)",
    path: ["sophia:images", "base"],
  })
  .refine((c) => c["sophia:environment"] !== "production" || c["sophia:rehearsal"] !== true, {
    message: "a rehearsal deploys staging on one machine; production is never rehearsed in place; expected false or no key",
    path: ["sophia:rehearsal"],
  })
  .refine((c) => c["sophia:environment"] !== "production" || c["sophia:ingress"].tlsIssuer !== "internal", {
    message: "production's certificate comes from a public ACME CA, which clients trust; expected acme (or no tlsIssuer)",
    path: ["sophia:ingress", "tlsIssuer"],
  })
  .refine((c) => !c["sophia:ingress"].tls || c["sophia:ingress"].host !== undefined, {
    message: "TLS needs the DNS name clients use (Caddy gets its certificate for it); expected a name such as mcp.example.com",
    path: ["sophia:ingress", "host"],
  })
  .refine((c) => c["sophia:model"].provider !== "stub", {
    message: "the stub model is test scaffolding for the local stack; expected provider openai-compatible",
    path: ["sophia:model", "provider"],
  });

/** Keys whose values must be Pulumi secrets, per environment; `required` ones must be present. */
export const SECRET_KEYS: Record<Environment, { required: readonly string[]; optional: readonly string[] }> = {
  local: { required: [], optional: ["sophia:gongAccessKey", "sophia:gongAccessKeySecret", "sophia:modelApiKey"] },
  // sshPreviousPrivateKey: only while rotating the deploy key (docs/ARCHITECTURE.md).
  staging: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey", "sophia:modelApiKey"], optional: ["sophia:sshPreviousPrivateKey", "sophia:gongAccessKey", "sophia:gongAccessKeySecret"] },
  production: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey", "sophia:modelApiKey"], optional: ["sophia:sshPreviousPrivateKey", "sophia:gongAccessKey", "sophia:gongAccessKeySecret"] },
};

export type LocalConfig = z.infer<typeof LocalConfigSchema>;
export type LambdaConfig = z.infer<typeof LambdaConfigSchema>;
