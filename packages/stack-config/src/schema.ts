// The schema of a stack's config (stacks/Pulumi.<stack>.yaml). Keys are full Pulumi config keys.
// Shape and meaning both: besides types, every number has sane bounds, every string a length and a
// character set, CIDRs are network addresses, lists hold no duplicates, and the rules at the end say
// what each environment may not do (SSH open to the world, an unprotected production, …), with why.
import { privateRangeProblem } from "@sophia/private-network";
import { z } from "zod";
import { CATEGORY_NAMES, LAMBDA_INSTANCE_TYPE_NAMES, LAMBDA_REGIONS } from "@sophia/agent-categories";
import { MCP_SERVER_NAMES, MCP_SERVERS } from "@sophia/mcp-servers/catalog";
import { ENDPOINT_KEYS, endpointProblem, endpointsOf, REHEARSAL_ENDPOINTS_KEY } from "./endpoints";
import { imageReferenceProblem, parseImageReference, PINNED_DIGEST } from "./image-reference";
import { credentialsIn, describeValue } from "./redact";

export const ENVIRONMENTS = ["local", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The SSH port on a node: nothing else may be published there. */
export const SSH_PORT = 22;
/** CIDRs wider than this (fewer prefix bits) count as open to the world. */
export const WIDEST_SSH_PREFIX = 8;

const port = z.int().min(1).max(65535);
const bounded = (min: number, max: number) => z.number().min(min).max(max);
const boundedInt = (min: number, max: number) => z.int().min(min).max(max);

/** A list whose items are all different; a repeat is named with both positions. */
function unique<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).superRefine((items, ctx) => {
    items.forEach((value, i) => {
      const first = items.findIndex((other) => JSON.stringify(other) === JSON.stringify(value));
      if (first !== i) ctx.addIssue({ code: "custom", path: [i], input: value, message: `${what} ${describeValue(value)} is listed twice (also at [${first}]); expected each once` });
    });
  });
}

/** An IPv4 CIDR whose host bits are zero: 198.51.100.7/24 is refused, naming 198.51.100.0/24. */
const cidr = z.cidrv4().superRefine((value, ctx) => {
  const [address, bits] = value.split("/") as [string, string];
  const prefix = Number(bits);
  const n = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (n & mask) >>> 0;
  if (network !== n) {
    const text = [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join(".");
    ctx.addIssue({ code: "custom", input: value, message: `expected a network address; ${JSON.stringify(value)} has host bits set (the network is ${text}/${prefix})` });
  }
});

/** Text with no surrounding or only-space content, at most `max` characters of `charset`. */
const text = (max: number, charset: RegExp, example: string) =>
  z.string().superRefine((value, ctx) => {
    const credentials = credentialsIn(value);
    if (credentials.length > 0) {
      ctx.addIssue({ code: "custom", input: value, message: `expected ${example}-like text; got ${describeValue(value)}, which holds ${credentials[0]} (a credential pasted in the wrong field? secrets go in with pulumi config set --secret, never in the stack file)` });
    } else if (value.length > max) ctx.addIssue({ code: "custom", input: value, message: `expected at most ${max} characters, such as ${example}; got ${value.length} characters` });
    else if (!charset.test(value)) ctx.addIssue({ code: "custom", input: value, message: `expected ${example}-like text (${charset.source}); got ${describeValue(value)}` });
  });

/** A URL the stacks fetch: its rule (endpoints.ts) needs the stack and other keys, so the schema's
 * refinements at the end apply it, once for every key in ENDPOINTS. */
const endpointUrl = z.string();

/** An image reference by the OCI distribution grammar; pinning by digest is a rule per environment. */
const imageReference = z.string().superRefine((value, ctx) => {
  const problem = imageReferenceProblem(value);
  if (problem) ctx.addIssue({ code: "custom", input: value, message: `${problem}; got ${describeValue(value)}` });
});

/** The DNS name clients use, without a port (the port is its own key). */
const hostName = z.string().superRefine((value, ctx) => {
  const problem = /:\d*$/.test(value)
    ? "expected a host name without a port (the port is sophia:ingress.port)"
    : !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/.test(value) && "expected a DNS name such as mcp.example.com";
  if (problem) ctx.addIssue({ code: "custom", input: value, message: `${problem}; got ${describeValue(value)}` });
});

/** Every endpoint's URL under its policy (endpoints.ts), each refused with its key and its value. */
function refineEndpoints(environment: string, values: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const { endpoint, url, policy } of endpointsOf(environment, values)) {
    const problem = endpointProblem(url, endpoint, policy);
    if (problem) ctx.addIssue({ code: "custom", path: [...endpoint.path], input: url, message: `${problem}; got ${describeValue(url)}` });
  }
}

const common = {
  "sophia:environment": z.enum(ENVIRONMENTS),
  /** protect: true on stateful resources (volumes, nodes), so `pulumi destroy` refuses them. */
  "sophia:protect": z.boolean(),
  /** MCP servers to run; absent means every server that needs no credentials, plus each optional
   * one (gong) whose secrets are all set. A server listed here must have its secrets set. */
  "sophia:mcpServers": unique(z.enum(MCP_SERVER_NAMES), "MCP server").min(1).optional(),
  "sophia:placement": z.strictObject({
    gpuPolicy: z.enum(["fail", "cpu-fallback"]),
    reservePerNode: z.strictObject({ cpu: bounded(0, 256), memoryGiB: bounded(0, 4096) }),
  }),
  "sophia:ingress": z.strictObject({
    port,
    tls: z.boolean(),
    /** Who signs the ingress's certificate: a public ACME CA (default), or Caddy's internal CA, for a
     * rehearsal where no ACME CA can reach the node (clients must then trust Caddy's root). */
    tlsIssuer: z.enum(["acme", "internal"]).optional(),
    /** The DNS name clients use; with tls, Caddy gets its certificate for it. */
    host: hostName.optional(),
    allowedCidrs: unique(cidr, "CIDR").min(1),
  }),
  /** The agents' model: an OpenAI-compatible provider (key: the secret sophia:modelApiKey), or the
   * deterministic stub, which is test scaffolding for the local stack only. */
  "sophia:model": z.discriminatedUnion("provider", [
    z.strictObject({
      provider: z.literal("openai-compatible"),
      baseUrl: endpointUrl,
      id: text(200, /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "gpt-4.1-mini"),
      /** The model is served inside your network (a self-hosted model on a private address); without
       * it a private address is refused, as a server-side request forgery target. */
      privateEndpoint: z.boolean().optional(),
    }),
    z.strictObject({ provider: z.literal("stub") }),
  ]),
  /** Where the Gong MCP server finds the company's Gong API (Gong gives each company its own base
   * URL); required once gong is enabled (both its secrets set, or sophia:mcpServers naming it). Its
   * keys are the secrets sophia:gongAccessKey and sophia:gongAccessKeySecret; https on staging and
   * production. */
  "sophia:gong": z.strictObject({ baseUrl: endpointUrl }).optional(),
  "sophia:retention": z.strictObject({
    metricsDays: boundedInt(1, 3650),
    logMaxSizeMiB: boundedInt(1, 10_240),
    logMaxFiles: boundedInt(1, 100),
  }),
  /** sophia-ops's Pulumi operations: which clients may run them (default: infrastructure), and
   * whether stack_up may ever be asked for on production (default: no). */
  "sophia:ops": z
    .strictObject({
      pulumiClients: unique(z.enum(["cursor", ...CATEGORY_NAMES]), "client").min(1).optional(),
      allowProductionUp: z.boolean().optional(),
    })
    .optional(),
};

export const LocalConfigSchema = z
  .strictObject({
    ...common,
    "sophia:environment": z.literal("local"),
    "sophia:local": z.strictObject({
      /** What the local machine lends the platform; placement packs agents into it. */
      cpus: bounded(0.1, 1024),
      memoryGiB: bounded(0.25, 16_384),
      dockerHost: z.string().regex(/^unix:\/\/\/.+/, "a unix socket URL such as unix:///var/run/docker.sock"),
      /** Base image the Dockerfiles build on; locally a debootstrapped image, as no registry is reachable. */
      baseImage: imageReference,
      /** The local engine's platform (`docker info`: x86_64 → linux/amd64, aarch64 → linux/arm64); images are built for it. */
      platform: z.enum(["linux/amd64", "linux/arm64"]),
    }),
    /** Written by the deploy tool into its working copy of this file (.pulumi-local/), never committed:
     * the local file backend's state directory, which sophia-ops's engine reads, read-only. Its
     * passphrase is the secret sophia:opsStatePassphrase. */
    "sophia:opsState": z.strictObject({ dir: z.string().regex(/^\/[^\0]*$/, "an absolute path") }).optional(),
  })
  .superRefine((c, ctx) => refineEndpoints("local", c, ctx));

export const LambdaConfigSchema = z
  .strictObject({
    ...common,
    "sophia:environment": z.enum(["staging", "production"]),
    "sophia:nodePool": z.strictObject({
      instanceTypes: unique(z.enum(LAMBDA_INSTANCE_TYPE_NAMES as [string, ...string[]]), "instance type").min(1),
      /** Nodes of one type at most; duplicates in instanceTypes are refused, so this is the real cap. */
      maxNodesPerType: boundedInt(1, 64),
      /** Launch preference order: the first region with capacity wins. */
      regions: unique(z.enum(LAMBDA_REGIONS), "region").min(1),
    }),
    /** Every Dockerfile's BASE_IMAGE on the nodes: an upstream image pinned by digest. */
    "sophia:images": z.strictObject({
      /** Pinned by digest; only a rehearsal names the image it loaded onto its nodes by tag. */
      base: imageReference,
    }),
    /** A rehearsal on one machine (packages/deploy, npm run rehearse): its nodes have no NVIDIA GPU, so GPU pools are
     * skipped, each with a warning, and have this machine's cores, so pools get no CPU quota; the base
     * image may be named by tag (the one the rehearsal loaded onto its nodes). Refused on production. */
    "sophia:rehearsal": z.boolean().optional(),
    /** Set only by a rehearsal's config copy (packages/deploy, rehearse.ts): the endpoints it points at
     * this machine, by key (its fake Lambda API on loopback, its stub model on the Docker bridge). Each
     * listed one may be plain http on a loopback or private address; never on production. */
    [REHEARSAL_ENDPOINTS_KEY]: unique(z.enum(ENDPOINT_KEYS), "endpoint key").min(1).optional(),
    /** The stack's private network among its nodes (packages/private-network): WireGuard, hub-and-spoke. */
    "sophia:privateNetwork": z.strictObject({
      /** Every node's private address comes from here, one block per instance type. */
      cidr,
      /** WireGuard's UDP port, admitted from the fleet's own nodes only. */
      port: z.number().int().min(1024).max(65535),
    }),
    /** A Lambda persistent filesystem for the platform node's state (the memory store, Grafana's
     * database, Caddy's certificates, Prometheus's snapshots), mounted at /lambda/nfs/<name>. It is
     * regional: the platform node launches only in its region (one of sophia:nodePool.regions). */
    "sophia:dataFilesystem": z
      .strictObject({
        name: text(60, /^[A-Za-z0-9][A-Za-z0-9_-]*$/, "sophia-production-data"),
        /** Required: a filesystem attaches only to instances launched in its own region. */
        region: z.enum(LAMBDA_REGIONS),
        /** How often Prometheus's history is snapshotted onto it (default 300): at most this much is lost with a node. */
        prometheusSnapshotSeconds: boundedInt(30, 86_400).optional(),
      })
      .optional(),
    /** Resources (by name) whose data a change may lose on replacement: the review's explicit,
     * per-resource exception to its "stateful data kept" rule (packages/review). Remove after the `up`. */
    "sophia:acceptDataLoss": unique(text(200, /^[A-Za-z0-9._:-]+$/, "production-mcp-memory-data"), "resource name").min(1).optional(),
    "sophia:lambda": z.strictObject({
      apiUrl: endpointUrl,
      /** A POSIX user name. */
      sshUser: text(32, /^[a-z_][a-z0-9_-]*$/, "ubuntu"),
      /** Public half of the deploy key; the private half is the secret sophia:sshPrivateKey. */
      sshPublicKey: z.string().regex(/^ssh-(ed25519|rsa) [A-Za-z0-9+/=]+( .*)?$/, "an OpenSSH public key (ssh-ed25519 AAAA…)"),
      /** CIDRs allowed to reach SSH on the nodes. */
      sshAllowedCidrs: unique(cidr, "CIDR").min(1),
    }),
  })
  .superRefine((c, ctx) => {
    // Each rule: the key, the value found, and why it is refused here.
    const refuse = (path: PropertyKey[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path, input, message: `${message}; got ${describeValue(input)}` });
    const env = c["sophia:environment"];
    const ingress = c["sophia:ingress"];
    const production = env === "production";
    if (production && !ingress.tls) refuse(["sophia:ingress", "tls"], ingress.tls, "production serves MCP over TLS; expected true");
    if (production && !c["sophia:protect"]) refuse(["sophia:protect"], c["sophia:protect"], "production's nodes and volumes are protected, so a stray `pulumi destroy` cannot remove them; expected true");
    const digest = parseImageReference(c["sophia:images"].base)?.digest;
    if (c["sophia:rehearsal"] !== true && !(digest && PINNED_DIGEST.test(digest))) {
      refuse(["sophia:images", "base"], c["sophia:images"].base, "expected an image pinned by digest, such as debian:trixie-slim@sha256:<64 hex> (only a rehearsal, whose nodes hold the image it loaded, names one by tag)");
    }
    if (production && c["sophia:rehearsal"] === true) refuse(["sophia:rehearsal"], true, "a rehearsal deploys staging on one machine; production is never rehearsed in place; expected false or no key");
    if (production && ingress.tlsIssuer === "internal") refuse(["sophia:ingress", "tlsIssuer"], ingress.tlsIssuer, "production's certificate comes from a public ACME CA, which clients trust; expected acme (or no tlsIssuer)");
    if (ingress.tls && ingress.host === undefined) refuse(["sophia:ingress", "host"], undefined, "TLS needs the DNS name clients use (Caddy gets its certificate for it); expected a name such as mcp.example.com");
    if (c["sophia:model"].provider === "stub") refuse(["sophia:model", "provider"], "stub", "the stub model is test scaffolding for the local stack; expected provider openai-compatible");
    // Network exposure: SSH only from operators' networks; the ingress never on the SSH port (the
    // node firewall would then open SSH to the ingress's CIDRs).
    c["sophia:lambda"].sshAllowedCidrs.forEach((range, i) => {
      if (Number(range.split("/")[1]) < WIDEST_SSH_PREFIX) {
        refuse(["sophia:lambda", "sshAllowedCidrs", i], range, `SSH on ${env} is never open to the world; expected your operators' networks (at least /${WIDEST_SSH_PREFIX})`);
      }
    });
    const onThisMachine = c[REHEARSAL_ENDPOINTS_KEY];
    if (onThisMachine && (production || c["sophia:rehearsal"] !== true)) {
      refuse([REHEARSAL_ENDPOINTS_KEY], onThisMachine, `only a rehearsal (sophia:rehearsal: true, never on production) points endpoints at this machine; expected no ${REHEARSAL_ENDPOINTS_KEY}`);
    }
    refineEndpoints(env, c, ctx);
    const range = privateRangeProblem(c["sophia:privateNetwork"].cidr, c["sophia:nodePool"].maxNodesPerType);
    if (range) ctx.addIssue({ code: "custom", path: ["sophia:privateNetwork", "cidr"], input: c["sophia:privateNetwork"].cidr, message: range });
    const data = c["sophia:dataFilesystem"];
    const regions = c["sophia:nodePool"]?.regions;
    // Only against a valid region list: a broken one is its own (first) error.
    const validRegions = Array.isArray(regions) && regions.length > 0 && new Set(regions).size === regions.length;
    if (data && validRegions && !regions.includes(data.region)) {
      refuse(["sophia:dataFilesystem", "region"], data.region, `the platform node keeps its state there and may launch only in the filesystem's region; expected one of sophia:nodePool.regions (${c["sophia:nodePool"].regions.join(", ")})`);
    }
    if (ingress.port === SSH_PORT) refuse(["sophia:ingress", "port"], ingress.port, `port ${SSH_PORT} is the nodes' SSH; the firewall would open SSH to the ingress's CIDRs. Expected another port, such as 443`);
  });

/** Keys whose values must be Pulumi secrets, per environment; `required` ones must be present. */
export const SECRET_KEYS: Record<Environment, { required: readonly string[]; optional: readonly string[] }> = {
  // alert*WebhookUrl: where pages and tickets go (both or neither; without them, the alert log).
  // opsStatePassphrase: with sophia:opsState, set by the deploy tool in its working copy.
  local: { required: [], optional: ["sophia:gongAccessKey", "sophia:gongAccessKeySecret", "sophia:modelApiKey", "sophia:alertPageWebhookUrl", "sophia:alertTicketWebhookUrl", "sophia:opsStatePassphrase"] },
  // sshPreviousPrivateKey: only while rotating the deploy key (docs/ARCHITECTURE.md).
  staging: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey", "sophia:modelApiKey"], optional: ["sophia:sshPreviousPrivateKey", "sophia:gongAccessKey", "sophia:gongAccessKeySecret", "sophia:alertPageWebhookUrl", "sophia:alertTicketWebhookUrl"] },
  production: { required: ["sophia:lambdaApiKey", "sophia:sshPrivateKey", "sophia:modelApiKey"], optional: ["sophia:sshPreviousPrivateKey", "sophia:gongAccessKey", "sophia:gongAccessKeySecret", "sophia:alertPageWebhookUrl", "sophia:alertTicketWebhookUrl"] },
};

/** Secrets that only work together, all or none: each MCP server's own (from its catalog), and the
 * alert webhooks. A partial set would silently leave the server or the alerts out. */
export const SECRET_GROUPS: readonly { readonly keys: readonly string[]; readonly what: string }[] = [
  ...MCP_SERVER_NAMES.filter((name) => MCP_SERVERS[name].secrets.length > 1).map((name) => ({ keys: MCP_SERVERS[name].secrets.map((s) => s.configKey), what: `the ${name} MCP server` })),
  { keys: ["sophia:alertPageWebhookUrl", "sophia:alertTicketWebhookUrl"], what: "alerting by webhook (pages and tickets)" },
];

export type LocalConfig = z.infer<typeof LocalConfigSchema>;
export type LambdaConfig = z.infer<typeof LambdaConfigSchema>;
