// The config mistake corpus: realistic mistakes in the three stack files, one per row, and valid
// files that must stay accepted. Each row starts from the committed stack file, changes one thing,
// and says which key (or file position) the one-line error must name, or, for a valid file, the
// plan's last line. Adding a case is adding a row. ../config-corpus.test.ts runs every row through
// the real plan command (`tsx tools/plan.ts <stack> --config-file=<row's file>`) and checks the whole
// of its output: a mistake exits 1 with nothing on stdout and exactly one line on stderr, naming the
// file and the key, with no secret of the file in it; a valid file exits 0 with its plan, and stderr
// holds only the stack's own warnings.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Document } from "yaml";

export type MistakeClass =
  | "network exposure"
  | "production safety"
  | "Lambda data"
  | "bounds"
  | "strings"
  | "secrets"
  | "unaccounted keys"
  | "YAML and file"
  | "hard to act on"
  | "placement"
  | "secret echo"
  | "shape"
  // Issue 30: the second pass.
  | "endpoints"
  | "secret groups"
  | "redaction"
  | "look-alike keys"
  | "valid configs"
  | "small wrongs";

export type Edit = { readonly set: readonly (string | number)[]; readonly to: unknown } | { readonly delete: readonly (string | number)[] } | { readonly text: (yaml: string) => string };

export interface Mistake {
  readonly class: MistakeClass;
  readonly name: string;
  readonly stack: "local" | "staging" | "production";
  readonly edits: readonly Edit[];
  /** What the line must contain besides the file: the key, or `:<line>:<col>:` and the problem; for an
   * accepted row, the plan's last line. */
  readonly expect: string;
  /** Values the file holds that must appear in no output. */
  readonly secrets?: readonly string[];
  /** A valid file: the plan is printed, and stderr holds only these lines (the stack's own warnings). */
  readonly accepted?: { readonly warnings: readonly string[] };
}

const set = (path: string, to: unknown): Edit => ({ set: path.split("/").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), to });
const del = (path: string): Edit => ({ delete: path.split("/") });
const text = (fn: (yaml: string) => string): Edit => ({ text: fn });
const append = (lines: string): Edit => text((yaml) => `${yaml.trimEnd()}\n${lines}\n`);

/** The committed plan's last line (`plan staging: <n> resources`): a valid staging file plans what
 * the committed one does. */
const STAGING_PLANNED = fs.readFileSync(path.join(__dirname, "..", "plans", "staging.md"), "utf8").trimEnd().split("\n").pop()!;

const PASTED_OPENAI_KEY = "sk-proj-4fQz8XwJ2mN7bV1cR9tY6uP3kL0sD5gH";
const PASTED_LAMBDA_KEY = "secret_sophia-prod_8c1f4e7a92b34d6e8f0a1b2c3d4e5f60";
const URL_PASSWORD = "hunter2-Zq8vXc71";

const DIGEST_HEX = "a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f";
const GITHUB_TOKEN = "ghp_Zq8vXc71Lm4Np0Rt5Yw2Bd9Hk3Js6Fg1Aa7Qe";
const SLACK_WEBHOOK_PATH = "T0123ABCDE/B0456FGHIJ/Zq8vXc71Lm4Np0Rt5Yw2Bd9H";
const GONG_SECRETS = [set("config/sophia:gongAccessKey", { secure: "v1:gong-access-key-ciphertext" }), set("config/sophia:gongAccessKeySecret", { secure: "v1:gong-secret-ciphertext" })];
const REHEARSAL_KEY = "sophia:rehearsalEndpointsOnThisMachine";
/** The local stack's own warning, printed with every plan of it. */
const LOCAL_WARNINGS = ["warning: [runtime] monitoring: no Grafana on local (Debian has no Grafana package, and no registry is reachable for its image); import packages/monitoring/dashboards/sophia-platform.json into any Grafana"];

const row = (cls: MistakeClass, stack: Mistake["stack"], name: string, edits: Edit | Edit[], expect: string, secrets?: string[]): Mistake => ({
  class: cls,
  name,
  stack,
  edits: Array.isArray(edits) ? edits : [edits],
  expect,
  secrets,
});

const accepted = (stack: Mistake["stack"], name: string, edits: Edit | Edit[], planLine: string, warnings: string[] = []): Mistake => ({
  ...row("valid configs", stack, name, edits, planLine),
  accepted: { warnings },
});

export const MISTAKES: readonly Mistake[] = [
  // ---- accepted silently before: network exposure
  row("network exposure", "production", "SSH open to the world in production", set("config/sophia:lambda/sshAllowedCidrs/0", "0.0.0.0/0"), "sophia:lambda.sshAllowedCidrs[0]: SSH on production is never open to the world"),
  row("network exposure", "staging", "SSH open to the world in staging", set("config/sophia:lambda/sshAllowedCidrs/0", "0.0.0.0/0"), "sophia:lambda.sshAllowedCidrs[0]: SSH on staging is never open to the world"),
  row("network exposure", "production", "SSH open to half the internet", set("config/sophia:lambda/sshAllowedCidrs/0", "0.0.0.0/1"), "sophia:lambda.sshAllowedCidrs[0]"),
  row("network exposure", "staging", "SSH from a /7", set("config/sophia:lambda/sshAllowedCidrs/0", "10.0.0.0/7"), "sophia:lambda.sshAllowedCidrs[0]"),
  row("network exposure", "staging", "SSH CIDR with host bits set", set("config/sophia:lambda/sshAllowedCidrs/0", "198.51.100.7/24"), "sophia:lambda.sshAllowedCidrs[0]: expected a network address; \"198.51.100.7/24\" has host bits set (the network is 198.51.100.0/24)"),
  row("network exposure", "local", "ingress CIDR with host bits set", set("config/sophia:ingress/allowedCidrs/0", "127.0.0.1/8"), "sophia:ingress.allowedCidrs[0]: expected a network address"),
  row("network exposure", "production", "ingress CIDR with host bits set in production", set("config/sophia:ingress/allowedCidrs/1", "203.0.113.9/24"), "sophia:ingress.allowedCidrs[1]"),
  row("network exposure", "staging", "the same ingress CIDR twice", set("config/sophia:ingress/allowedCidrs", ["203.0.113.0/24", "203.0.113.0/24"]), "sophia:ingress.allowedCidrs[1]: CIDR \"203.0.113.0/24\" is listed twice"),
  row("network exposure", "staging", "the same SSH CIDR twice", set("config/sophia:lambda/sshAllowedCidrs", ["203.0.113.0/24", "203.0.113.0/24"]), "sophia:lambda.sshAllowedCidrs[1]"),
  row("network exposure", "production", "ingress on the SSH port in production", set("config/sophia:ingress/port", 22), "sophia:ingress.port: port 22 is the nodes' SSH"),
  row("network exposure", "staging", "ingress on the SSH port in staging", set("config/sophia:ingress/port", 22), "sophia:ingress.port: port 22 is the nodes' SSH"),

  // ---- accepted silently before: production safety
  row("production safety", "production", "production unprotected", set("config/sophia:protect", false), "sophia:protect: production's nodes and volumes are protected"),
  row("production safety", "production", "production protect as text", set("config/sophia:protect", "no"), "sophia:protect: expected a boolean"),
  row("production safety", "production", "production without TLS", set("config/sophia:ingress/tls", false), "sophia:ingress.tls: production serves MCP over TLS"),
  row("production safety", "production", "the stub model in production", set("config/sophia:model", { provider: "stub" }), "sophia:model.provider: the stub model is test scaffolding"),
  row("production safety", "production", "a rehearsal of production", set("config/sophia:rehearsal", true), "sophia:rehearsal: a rehearsal deploys staging"),
  row("production safety", "production", "Caddy's internal CA in production", set("config/sophia:ingress/tlsIssuer", "internal"), "sophia:ingress.tlsIssuer"),
  row("production safety", "staging", "a base image by tag outside a rehearsal", set("config/sophia:images/base", "debian:trixie-slim"), "sophia:images.base: expected an image pinned by digest"),
  // Issue 32: who may run Pulumi operations through sophia-ops, and the local state it reads.
  row("production safety", "production", "a Pulumi client that is no category", set("config/sophia:ops", { pulumiClients: ["infra"] }), "sophia:ops.pulumiClients[0]: expected one of cursor, business-intelligence"),
  row("production safety", "production", "stack_up on production as text", set("config/sophia:ops", { allowProductionUp: "yes" }), "sophia:ops.allowProductionUp: expected a boolean"),
  row("production safety", "staging", "the local state directory on staging", set("config/sophia:opsState", { dir: "/srv/state" }), "sophia:opsState"),
  row("production safety", "local", "the local state directory as a relative path", set("config/sophia:opsState", { dir: ".pulumi-local/state" }), "sophia:opsState.dir: expected an absolute path"),

  // ---- accepted silently before: Lambda data
  row("Lambda data", "production", "a region that does not exist", set("config/sophia:nodePool/regions/0", "us-east-9"), "sophia:nodePool.regions[0]: expected one of"),
  row("Lambda data", "staging", "an AWS region name", set("config/sophia:nodePool/regions/0", "eu-west-1"), "sophia:nodePool.regions[0]"),
  row("Lambda data", "production", "a duplicated instance type", set("config/sophia:nodePool/instanceTypes/1", "gpu_1x_a10"), "sophia:nodePool.instanceTypes[1]: instance type \"gpu_1x_a10\" is listed twice"),
  row("Lambda data", "staging", "a duplicated region", set("config/sophia:nodePool/regions", ["us-east-1", "us-east-1"]), "sophia:nodePool.regions[1]: region \"us-east-1\" is listed twice"),
  row("Lambda data", "production", "no node allowed", set("config/sophia:nodePool/maxNodesPerType", 0), "sophia:nodePool.maxNodesPerType: expected at least 1"),
  row("Lambda data", "production", "a thousand nodes per type", set("config/sophia:nodePool/maxNodesPerType", 1000), "sophia:nodePool.maxNodesPerType: expected at most 64"),
  row("Lambda data", "production", "a mistyped instance type", set("config/sophia:nodePool/instanceTypes/0", "gpu_1x_a100x"), "sophia:nodePool.instanceTypes[0]: expected one of"),
  row("Lambda data", "staging", "no instance type", set("config/sophia:nodePool/instanceTypes", []), "sophia:nodePool.instanceTypes: expected at least 1 item(s)"),
  row("Lambda data", "production", "a region as a number", set("config/sophia:nodePool/regions/0", 1), "sophia:nodePool.regions[0]"),
  row("Lambda data", "production", "a data filesystem without its region", del("config/sophia:dataFilesystem/region"), "sophia:dataFilesystem.region: expected one of asia-northeast-1, "),
  row("Lambda data", "staging", "a data filesystem in a region the nodes do not launch in", set("config/sophia:dataFilesystem/region", "us-south-1"), "sophia:dataFilesystem.region: the platform node keeps its state there and may launch only in the filesystem's region; expected one of sophia:nodePool.regions (us-east-1, us-west-1); got \"us-south-1\""),
  row("Lambda data", "production", "Prometheus snapshotted every second", set("config/sophia:dataFilesystem/prometheusSnapshotSeconds", 1), "sophia:dataFilesystem.prometheusSnapshotSeconds: expected at least 30"),
  row("Lambda data", "production", "an accepted data loss as one name, not a list", set("config/sophia:acceptDataLoss", "production-mcp-memory-data"), "sophia:acceptDataLoss: expected a list"),

  // ---- accepted silently before: bounds
  row("bounds", "production", "log files of 10^12 MiB", set("config/sophia:retention/logMaxSizeMiB", 1e12), "sophia:retention.logMaxSizeMiB: expected at most 10240"),
  row("bounds", "staging", "zero log files kept", set("config/sophia:retention/logMaxFiles", 0), "sophia:retention.logMaxFiles: expected at least 1"),
  row("bounds", "local", "zero CPUs lent to the platform", set("config/sophia:local/cpus", 0), "sophia:local.cpus: expected at least 0.1"),
  row("bounds", "production", "ten thousand days of metrics", set("config/sophia:retention/metricsDays", 10000), "sophia:retention.metricsDays: expected at most 3650"),
  row("bounds", "local", "zero days of metrics", set("config/sophia:retention/metricsDays", 0), "sophia:retention.metricsDays: expected at least 1"),
  row("bounds", "production", "a century of metrics", set("config/sophia:retention/metricsDays", 100000), "sophia:retention.metricsDays: expected at most 3650"),
  row("bounds", "staging", "a log file of a billion MiB", set("config/sophia:retention/logMaxSizeMiB", 1e9), "sophia:retention.logMaxSizeMiB: expected at most 10240"),
  row("bounds", "staging", "a thousand log files", set("config/sophia:retention/logMaxFiles", 1000), "sophia:retention.logMaxFiles: expected at most 100"),
  row("bounds", "local", "a million local CPUs", set("config/sophia:local/cpus", 1e6), "sophia:local.cpus: expected at most 1024"),
  row("bounds", "local", "no local memory", set("config/sophia:local/memoryGiB", 0), "sophia:local.memoryGiB: expected at least 0.25"),
  row("bounds", "staging", "a negative CPU reserve", set("config/sophia:placement/reservePerNode/cpu", -1), "sophia:placement.reservePerNode.cpu: expected at least 0"),
  row("bounds", "production", "a reserve of ten million GiB", set("config/sophia:placement/reservePerNode/memoryGiB", 1e7), "sophia:placement.reservePerNode.memoryGiB: expected at most 4096"),
  row("bounds", "local", "port 0", set("config/sophia:ingress/port", 0), "sophia:ingress.port: expected at least 1"),
  row("bounds", "local", "port 70000", set("config/sophia:ingress/port", 70000), "sophia:ingress.port: expected at most 65535"),
  row("bounds", "local", "a fractional port", set("config/sophia:ingress/port", 8443.5), "sophia:ingress.port: expected an integer"),

  // ---- accepted silently before: strings
  row("strings", "staging", "a 10 kB SSH user", set("config/sophia:lambda/sshUser", "u".repeat(10_000)), "sophia:lambda.sshUser: expected at most 32 characters"),
  row("strings", "production", "an emoji SSH user", set("config/sophia:lambda/sshUser", "🚀"), "sophia:lambda.sshUser: expected ubuntu-like text"),
  row("strings", "staging", "a whitespace-only SSH user", set("config/sophia:lambda/sshUser", "   "), "sophia:lambda.sshUser"),
  row("strings", "staging", "an SSH user with a space", set("config/sophia:lambda/sshUser", "deploy user"), "sophia:lambda.sshUser"),
  row("strings", "production", "a whitespace-only model id", set("config/sophia:model/id", "  "), "sophia:model.id"),
  row("strings", "production", "a 10 kB model id", set("config/sophia:model/id", "m".repeat(10_000)), "sophia:model.id: expected at most 200 characters"),
  row("strings", "local", "a whitespace-only base image", set("config/sophia:local/baseImage", "   "), "sophia:local.baseImage"),
  row("strings", "staging", "a host name with spaces", set("config/sophia:ingress/host", "mcp example com"), "sophia:ingress.host"),
  row("strings", "production", "an emoji host name", set("config/sophia:ingress/host", "mcp.🚀.example"), "sophia:ingress.host"),
  row("strings", "staging", "a whitespace-only SSH public key", set("config/sophia:lambda/sshPublicKey", "   "), "sophia:lambda.sshPublicKey"),

  // ---- accepted silently before: secrets
  row("secrets", "staging", "an empty secure value", set("config/sophia:lambdaApiKey", { secure: "" }), "sophia:lambdaApiKey: expected an encrypted value"),
  row("secrets", "production", "a null secure value", set("config/sophia:modelApiKey", { secure: null }), "sophia:modelApiKey: expected an encrypted value"),
  row("secrets", "production", "a secret set in plaintext", set("config/sophia:lambdaApiKey", PASTED_LAMBDA_KEY), "sophia:lambdaApiKey: expected a Pulumi secret", [PASTED_LAMBDA_KEY]),
  row("secrets", "production", "the model key in plaintext", set("config/sophia:modelApiKey", PASTED_OPENAI_KEY), "sophia:modelApiKey: expected a Pulumi secret", [PASTED_OPENAI_KEY]),
  row("secrets", "local", "an empty Gong key", set("config/sophia:gongAccessKey", { secure: "  " }), "sophia:gongAccessKey: expected an encrypted value"),

  // ---- accepted silently before: every key accounted for
  row("unaccounted keys", "production", "an unprefixed key overriding sophia:protect", append("  protect: false"), "protect: sophia:protect is already set as sophia:protect"),
  row("unaccounted keys", "local", "a docker: provider key", append("  docker:host: tcp://127.0.0.1:2375"), "docker:host: the program reads only sophia: keys"),
  row("unaccounted keys", "staging", "an aws: key", append("  aws:region: us-east-1"), "aws:region: the program reads only sophia: keys"),
  row("unaccounted keys", "production", "the project name misspelled as a namespace", append("  sophia-ai:protect: false"), "sophia-ai:protect: the program reads only sophia: keys (and Pulumi's own pulumi: keys); did you mean sophia:protect?"),
  row("unaccounted keys", "local", "a top-level key typo", set("config/sophia:ingres", { port: 1 }), "sophia:ingres: unknown key; did you mean sophia:ingress?"),
  row("unaccounted keys", "local", "a nested key typo", set("config/sophia:ingress/prot", 8443), "sophia:ingress.prot: unknown key; did you mean port?"),
  row("unaccounted keys", "staging", "retention spelled retentions", append("  sophia:retentions: { metricsDays: 2 }"), "sophia:retentions: unknown key; did you mean sophia:retention?"),
  row("unaccounted keys", "staging", "an unprefixed duplicate of a mapping", append("  ingress: { port: 8443 }"), "ingress: sophia:ingress is already set as sophia:ingress"),

  // ---- stack traces before: YAML and file errors
  row("YAML and file", "production", "a key written twice", append("  sophia:protect: false"), "a key appears twice in the same mapping"),
  row("YAML and file", "local", "a tab as indentation", text((y) => y.replace("\n  sophia:protect:", "\n\tsophia:protect:")), "a tab indents this line"),
  row("YAML and file", "staging", "an unclosed flow sequence", text((y) => y.replace("regions: [us-east-1", "regions: [us-east-1, us-west-1\n    maxNodes: 1")), "YAML syntax:"),
  row("YAML and file", "local", "an unclosed flow mapping", text((y) => y.replace("reservePerNode: { cpu: 0, memoryGiB: 0 }", "reservePerNode: { cpu: 0, memoryGiB: 0")), "YAML syntax:"),
  row("YAML and file", "local", "a key indented too far", text((y) => y.replace("\n  sophia:protect:", "\n     sophia:protect:")), "YAML syntax:"),
  row("YAML and file", "staging", "a list at the top level", text(() => "- config:\n    sophia:environment: staging\n"), "expected a mapping with a config: section; found a list"),
  row("YAML and file", "local", "an empty file", text(() => ""), "the file is empty"),
  row("YAML and file", "production", "a value with two colons", text((y) => y.replace("sophia:protect: true", "sophia:protect: true: false")), "YAML syntax:"),
  row("YAML and file", "staging", "an unterminated quoted string", text((y) => y.replace("sshUser: ubuntu", 'sshUser: "ubuntu')), "YAML syntax:"),
  row("YAML and file", "local", "a document of one word", text(() => "config\n"), "expected a mapping with a config: section; found a single value"),

  // ---- hard to act on before
  row("hard to act on", "production", "a model URL that is not a URL", set("config/sophia:model/baseUrl", "api.openai.com/v1"), "sophia:model.baseUrl: expected an http(s) URL such as https://api.openai.com/v1"),
  row("hard to act on", "staging", "an ftp API URL", set("config/sophia:lambda/apiUrl", "ftp://cloud.lambda.ai/api/v1"), "sophia:lambda.apiUrl: expected an http(s) URL"),
  row("hard to act on", "local", "NaN memory", text((y) => y.replace("memoryGiB: 48", "memoryGiB: .nan")), "sophia:local.memoryGiB: expected a finite number"),
  row("hard to act on", "local", "infinite local CPUs", text((y) => y.replace("cpus: 16", "cpus: .inf")), "sophia:local.cpus: expected a finite number"),
  row("hard to act on", "production", "minus infinity days", text((y) => y.replace("metricsDays: 30", "metricsDays: -.inf")), "sophia:retention.metricsDays: expected a finite number"),
  row("hard to act on", "staging", "TLS without a host", del("config/sophia:ingress/host"), "sophia:ingress.host: TLS needs the DNS name clients use"),
  row("hard to act on", "staging", "config: misspelled", text((y) => y.replace(/^config:/m, "confg:")), "unknown section \"confg\"; did you mean config:?"),
  row("hard to act on", "local", "config: as a list", text(() => "config:\n  - sophia:environment: local\n"), "config: expected a mapping of keys"),
  row("hard to act on", "local", "the model provider misspelled", set("config/sophia:model/provider", "openai"), "sophia:model.provider"),

  // ---- placement that cannot fit, with the key to change
  row("placement", "local", "one CPU for every agent", set("config/sophia:local/cpus", 1), "raise sophia:local.cpus (now 1)"),
  row("placement", "local", "half a GiB of memory", set("config/sophia:local/memoryGiB", 0.5), "raise sophia:local.cpus (now 16) or sophia:local.memoryGiB (now 0.5)"),
  row("placement", "production", "a reserve as big as a node", set("config/sophia:placement/reservePerNode/cpu", 200), "lower sophia:placement.reservePerNode (now cpu 200, memoryGiB 16)"),
  row("placement", "staging", "a pool that is full", [set("config/sophia:nodePool/instanceTypes", ["gpu_1x_rtx6000"]), set("config/sophia:nodePool/maxNodesPerType", 1), set("config/sophia:placement/reservePerNode/cpu", 9)], "raise sophia:nodePool.maxNodesPerType (now 1)"),
  row("placement", "local", "GPU agents with a failing GPU policy", set("config/sophia:placement/gpuPolicy", "fail"), "set sophia:placement.gpuPolicy to cpu-fallback"),

  // ---- secrets echoed before
  row("secret echo", "production", "an API key pasted as the model URL", set("config/sophia:model/baseUrl", PASTED_OPENAI_KEY), "sophia:model.baseUrl", [PASTED_OPENAI_KEY]),
  row("secret echo", "staging", "credentials in the Lambda API URL", set("config/sophia:lambda/apiUrl", `https://admin:${URL_PASSWORD}@cloud.lambda.ai/api/v1`), "sophia:lambda.apiUrl: expected a URL without credentials", [URL_PASSWORD]),
  row("secret echo", "production", "a key in the model URL's query", set("config/sophia:model/baseUrl", `https://api.example.com/v1?api_key=${PASTED_OPENAI_KEY}`), "sophia:model.baseUrl: expected a URL without credentials", [PASTED_OPENAI_KEY]),
  row("secret echo", "staging", "an API key pasted as the SSH user", set("config/sophia:lambda/sshUser", PASTED_LAMBDA_KEY), "sophia:lambda.sshUser", [PASTED_LAMBDA_KEY]),
  row("secret echo", "production", "an API key pasted as the model id", set("config/sophia:model/id", PASTED_OPENAI_KEY), "sophia:model.id", [PASTED_OPENAI_KEY]),
  row("secret echo", "production", "an API key pasted as the host name", set("config/sophia:ingress/host", PASTED_LAMBDA_KEY), "sophia:ingress.host", [PASTED_LAMBDA_KEY]),
  row("secret echo", "staging", "an API key pasted as the Lambda API URL", set("config/sophia:lambda/apiUrl", PASTED_LAMBDA_KEY), "sophia:lambda.apiUrl", [PASTED_LAMBDA_KEY]),
  row("secret echo", "local", "an API key pasted as the base image", set("config/sophia:local/baseImage", PASTED_OPENAI_KEY), "sophia:local.baseImage", [PASTED_OPENAI_KEY]),

  // ---- shape (one line before too; kept so it stays so)
  row("shape", "staging", "a port as text", set("config/sophia:ingress/port", "abc"), "sophia:ingress.port: expected a number; got \"abc\""),
  row("shape", "staging", "retention missing", del("config/sophia:retention"), "sophia:retention: missing required key"),
  row("shape", "staging", "the environment of another stack", set("config/sophia:environment", "production"), "sophia:environment: expected \"staging\""),
  row("shape", "local", "retention as text", set("config/sophia:retention", "small"), "sophia:retention: expected a mapping of keys"),
  row("shape", "production", "no regions", set("config/sophia:nodePool/regions", []), "sophia:nodePool.regions: expected at least 1 item(s)"),
  row("shape", "local", "an unknown MCP server", set("config/sophia:mcpServers", ["memory", "slack"]), "sophia:mcpServers[1]"),
  row("shape", "local", "an MCP server twice", set("config/sophia:mcpServers", ["memory", "memory"]), "sophia:mcpServers[1]: MCP server \"memory\" is listed twice"),
  row("shape", "local", "an unknown GPU policy", set("config/sophia:placement/gpuPolicy", "maybe"), "sophia:placement.gpuPolicy: expected one of fail, cpu-fallback"),
  row("shape", "local", "a TCP Docker host", set("config/sophia:local/dockerHost", "tcp://0.0.0.0:2375"), "sophia:local.dockerHost"),

  // ---- issue 30: endpoints that point where they must not (server-side request forgery targets)
  row("endpoints", "staging", "the model at the cloud metadata address", set("config/sophia:model/baseUrl", "http://169.254.169.254/latest/meta-data/"), "sophia:model.baseUrl: expected a public host; 169.254.169.254 is a link-local address"),
  row("endpoints", "production", "Lambda's API on loopback", set("config/sophia:lambda/apiUrl", "https://127.0.0.1:8443/api/v1"), "sophia:lambda.apiUrl: expected a public host; 127.0.0.1 is a loopback address"),
  row("endpoints", "production", "the model over plain http", set("config/sophia:model/baseUrl", "http://api.openai.com/v1"), "sophia:model.baseUrl: expected https://, such as https://api.openai.com/v1"),
  row("endpoints", "staging", "a percent-encoded space in Lambda's API URL", set("config/sophia:lambda/apiUrl", "https://cloud.lambda.ai/api%20/v1"), "sophia:lambda.apiUrl: expected a URL without spaces or control characters, percent-encoded ones"),
  row("endpoints", "staging", "the model at localhost", set("config/sophia:model/baseUrl", "https://localhost:11434/v1"), "sophia:model.baseUrl: expected a public host; localhost always names this machine (loopback)"),
  row("endpoints", "production", "Lambda's API at the unspecified address", set("config/sophia:lambda/apiUrl", "https://0.0.0.0/api/v1"), "sophia:lambda.apiUrl: expected a public host; 0.0.0.0 is the unspecified address"),
  row("endpoints", "staging", "the model at IPv6 loopback", set("config/sophia:model/baseUrl", "https://[::1]:8000/v1"), "sophia:model.baseUrl: expected a public host; ::1 is a loopback address"),
  row("endpoints", "production", "Gong at IPv4-mapped loopback", set("config/sophia:gong", { baseUrl: "https://[::ffff:127.0.0.1]/" }), "sophia:gong.baseUrl: expected a public host; ::ffff:7f00:1 is a loopback address"),
  row("endpoints", "staging", "loopback written as one decimal number", set("config/sophia:model/baseUrl", "https://2130706433/v1"), "sophia:model.baseUrl: expected a public host; 127.0.0.1 is a loopback address"),
  row("endpoints", "production", "Gong at Google's metadata name", set("config/sophia:gong", { baseUrl: "https://metadata.google.internal/computeMetadata/v1/" }), "sophia:gong.baseUrl: expected a public host; metadata.google.internal is the cloud's metadata service"),
  row("endpoints", "production", "the model at a private address, not declared private", set("config/sophia:model/baseUrl", "https://10.0.0.5/v1"), "sophia:model.baseUrl: expected a public host; 10.0.0.5 is a private address (inside the node's own network) (a model served inside your network: set sophia:model.privateEndpoint: true)"),
  row("endpoints", "staging", "Lambda's API on the Docker bridge", set("config/sophia:lambda/apiUrl", "https://172.17.0.2:8443/api/v1"), "sophia:lambda.apiUrl: expected a public host; 172.17.0.2 is a private address"),
  row("endpoints", "production", "the model at AWS's IPv6 metadata address", set("config/sophia:model/baseUrl", "https://[fd00:ec2::254]/latest"), "sophia:model.baseUrl: expected a public host; fd00:ec2::254 is a private address"),
  row("endpoints", "staging", "the model by a single-label name", set("config/sophia:model/baseUrl", "https://ollama:11434/v1"), "sophia:model.baseUrl: expected a fully qualified host name; ollama has no dot"),
  row("endpoints", "production", "credentials in the Lambda API URL's user info", set("config/sophia:lambda/apiUrl", "https://deploy:Zq8vXc71Lm4Np0Rt@cloud.lambda.ai/api/v1"), "sophia:lambda.apiUrl: expected a URL without credentials (user info, or a key in its query); put the key in the secret sophia:lambdaApiKey", ["Zq8vXc71Lm4Np0Rt"]),
  row("endpoints", "staging", "a percent-encoded newline in the model URL", set("config/sophia:model/baseUrl", "https://api.openai.com/v1%0aHost:evil"), "sophia:model.baseUrl: expected a URL without spaces or control characters, percent-encoded ones"),
  row("endpoints", "production", "a tab in the model URL", set("config/sophia:model/baseUrl", "https://api.openai.com/v1\t"), "sophia:model.baseUrl: expected a URL without spaces or control characters"),
  row("endpoints", "staging", "Lambda's API at a multicast address", set("config/sophia:lambda/apiUrl", "https://224.0.0.251/api/v1"), "sophia:lambda.apiUrl: expected a public host; 224.0.0.251 is a multicast address"),
  row("endpoints", "local", "the local stack's Gong at the metadata address", [...GONG_SECRETS, set("config/sophia:gong", { baseUrl: "http://169.254.169.254/" })], "sophia:gong.baseUrl: expected a public host; 169.254.169.254 is a link-local address"),
  row("endpoints", "production", "the rehearsal's endpoint key on production", set(`config/${REHEARSAL_KEY}`, ["sophia:lambda.apiUrl"]), `${REHEARSAL_KEY}: only a rehearsal (sophia:rehearsal: true, never on production) points endpoints at this machine`),
  row("endpoints", "staging", "the rehearsal's endpoint key outside a rehearsal", [set(`config/${REHEARSAL_KEY}`, ["sophia:model.baseUrl"]), set("config/sophia:model/baseUrl", "http://172.17.0.2:8000/v1")], `${REHEARSAL_KEY}: only a rehearsal (sophia:rehearsal: true, never on production) points endpoints at this machine`),
  row("endpoints", "staging", "the rehearsal's endpoint key naming no endpoint", [set("config/sophia:rehearsal", true), set("config/sophia:images/base", "sophia/base:trixie"), set(`config/${REHEARSAL_KEY}`, ["sophia:ingress.host"])], `${REHEARSAL_KEY}[0]: expected one of sophia:model.baseUrl, sophia:gong.baseUrl, sophia:lambda.apiUrl`),
  row("endpoints", "production", "a private model over plain http", [set("config/sophia:model/privateEndpoint", true), set("config/sophia:model/baseUrl", "http://10.20.0.5:8000/v1")], "sophia:model.baseUrl: expected https://"),
  row("endpoints", "staging", "the rehearsal's model on the bridge, not named in its key", [set("config/sophia:rehearsal", true), set("config/sophia:images/base", "sophia/base:trixie"), set(`config/${REHEARSAL_KEY}`, ["sophia:lambda.apiUrl"]), set("config/sophia:lambda/apiUrl", "http://127.0.0.1:40123"), set("config/sophia:model/baseUrl", "http://172.17.0.2:8000/v1")], "sophia:model.baseUrl: expected a public host; 172.17.0.2 is a private address"),

  // ---- issue 30: secrets that only work together, half set
  row("secret groups", "staging", "Gong's access key without its secret", set("config/sophia:gongAccessKey", { secure: "v1:gong-access-key-ciphertext" }), "sophia:gongAccessKeySecret: sophia:gongAccessKey is set, so the gong MCP server needs this secret too (all of sophia:gongAccessKey, sophia:gongAccessKeySecret, or none); set it with: pulumi config set --secret gongAccessKeySecret <value> --stack staging"),
  row("secret groups", "production", "Gong's secret without its access key", set("config/sophia:gongAccessKeySecret", { secure: "v1:gong-secret-ciphertext" }), "sophia:gongAccessKey: sophia:gongAccessKeySecret is set, so the gong MCP server needs this secret too"),
  row("secret groups", "local", "a page webhook without a ticket webhook", set("config/sophia:alertPageWebhookUrl", { secure: "v1:page-hook-ciphertext" }), "sophia:alertTicketWebhookUrl: sophia:alertPageWebhookUrl is set, so alerting by webhook (pages and tickets) needs this secret too (all of sophia:alertPageWebhookUrl, sophia:alertTicketWebhookUrl, or none); set it with: pulumi config set --secret alertTicketWebhookUrl <value> --stack local"),
  row("secret groups", "production", "a ticket webhook without a page webhook", set("config/sophia:alertTicketWebhookUrl", { secure: "v1:ticket-hook-ciphertext" }), "sophia:alertPageWebhookUrl: sophia:alertTicketWebhookUrl is set, so alerting by webhook"),
  row("secret groups", "production", "gong named in sophia:mcpServers without its secrets", [set("config/sophia:mcpServers", ["sophia-ops", "memory", "gong"]), set("config/sophia:gong", { baseUrl: "https://us-12345.api.gong.io" })], "sophia:gongAccessKey: sophia:mcpServers names gong, which needs this secret; set it with: pulumi config set --secret gongAccessKey <value> --stack production"),
  row("secret groups", "staging", "both Gong secrets, no Gong base URL", GONG_SECRETS, "sophia:gong: gong is enabled (its secrets are set, or sophia:mcpServers names it), so it needs your company's Gong API base URL"),

  // ---- issue 30: redaction by key, not by look: public values shown, credentials hidden anywhere
  row("redaction", "production", "an upper-case digest", set("config/sophia:images/base", `debian:trixie-slim@sha256:${DIGEST_HEX.toUpperCase()}`), `sophia:images.base: expected the digest's hex in lower case (sha256:<64 lower-case hex>), as registries and the OCI image spec write it; got "debian:trixie-slim@sha256:${DIGEST_HEX.toUpperCase()}"`),
  row("redaction", "staging", "a digest that is not hex", set("config/sophia:images/base", `debian:trixie-slim@sha256:${DIGEST_HEX.slice(0, 60)}wxyz`), `sophia:images.base: expected the digest as sha256:<64 hex digits>; its hex part holds other characters; got "debian:trixie-slim@sha256:${DIGEST_HEX.slice(0, 60)}wxyz"`),
  row("redaction", "production", "a short digest", set("config/sophia:images/base", "debian:trixie-slim@sha256:a29215f6"), 'sophia:images.base: expected a sha256 digest of 64 hex digits; this one has 8; got "debian:trixie-slim@sha256:a29215f6"'),
  row("redaction", "staging", "an ingress host with a port", set("config/sophia:ingress/host", "mcp.staging.sophia.example:8443"), 'sophia:ingress.host: expected a host name without a port (the port is sophia:ingress.port); got "mcp.staging.sophia.example:8443"'),
  row("redaction", "production", "an API key in the model URL's path", set("config/sophia:model/baseUrl", `https://api.example.com/v1/${PASTED_OPENAI_KEY}/chat`), 'sophia:model.baseUrl: expected a URL without credentials (it holds an OpenAI-style or Anthropic API key); put the key in the secret sophia:modelApiKey; got "https://api.example.com/v1/<credential hidden>/chat"', [PASTED_OPENAI_KEY]),
  row("redaction", "production", "a GitHub token in Gong's URL path", set("config/sophia:gong", { baseUrl: `https://us-12345.api.gong.io/${GITHUB_TOKEN}` }), 'sophia:gong.baseUrl: expected a URL without credentials (it holds a GitHub token); put the key in the secret sophia:gongAccessKey; got "https://us-12345.api.gong.io/<credential hidden>"', [GITHUB_TOKEN]),
  row("redaction", "staging", "a Slack webhook path as Lambda's API URL", set("config/sophia:lambda/apiUrl", `https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}`), "sophia:lambda.apiUrl: expected a URL without credentials (it holds a Slack webhook path)", [SLACK_WEBHOOK_PATH]),
  row("redaction", "production", "a Lambda key inside the model id", set("config/sophia:model/id", `gpt-4.1-mini/${PASTED_LAMBDA_KEY}`), 'sophia:model.id: expected gpt-4.1-mini-like text; got "gpt-4.1-mini/<credential hidden>", which holds a Lambda Cloud API key', [PASTED_LAMBDA_KEY]),

  // ---- issue 30: keys that look right and are not
  row("look-alike keys", "production", "a zero-width space after sophia:protect", append("  sophia:protect\u200b: false"), "sophia:protect\\u200b: unknown key; did you mean sophia:protect? The name holds \\u200b (an invisible formatting character): retype it."),
  row("look-alike keys", "production", "a trailing space in sophia:protect", append('  "sophia:protect ": false'), "sophia:protect\\u0020: unknown key; did you mean sophia:protect? The name holds \\u0020 (a space at the end): retype it."),
  row("look-alike keys", "production", "a Cyrillic s in sophia", append("  \u0455ophia:protect: false"), "\\u0455ophia:protect: the program reads only sophia: keys (and Pulumi's own pulumi: keys); did you mean sophia:protect? The name holds \\u0455 (a Cyrillic letter): retype it."),
  row("look-alike keys", "staging", "a Cyrillic o in a key name", append("  sophia:pr\u043etect: true"), "sophia:pr\\u043etect: unknown key; did you mean sophia:protect? The name holds \\u043e (a Cyrillic letter): retype it."),
  row("look-alike keys", "local", "a Greek omicron in a nested key", set("config/sophia:ingress/p\u03bfrt", 8443), "sophia:ingress.p\\u03bfrt: unknown key; did you mean port? The name holds \\u03bf (a Greek letter): retype it."),
  row("look-alike keys", "staging", "a no-break space at the end of a section", append('  "sophia:retention\u00a0": { metricsDays: 7 }'), "sophia:retention\\u00a0: unknown key; did you mean sophia:retention? The name holds \\u00a0 (a space that is not the ASCII space): retype it."),
  row("look-alike keys", "production", "a leading space", append('  " sophia:protect": false'), "\\u0020sophia:protect: the program reads only sophia: keys (and Pulumi's own pulumi: keys); did you mean sophia:protect? The name holds \\u0020 (a space at the start): retype it."),
  row("look-alike keys", "staging", "a zero-width joiner in a nested key", set("config/sophia:ingress/ho\u200dst", "mcp.staging.sophia.example"), "sophia:ingress.ho\\u200dst: unknown key; did you mean host? The name holds \\u200d (an invisible formatting character): retype it."),
  row("look-alike keys", "production", "a Cyrillic letter in the SSH user's value", set("config/sophia:lambda/sshUser", "\u0443buntu"), 'sophia:lambda.sshUser: expected ubuntu-like text (^[a-z_][a-z0-9_-]*$); got "\\u0443buntu", which holds \\u0443 (a Cyrillic letter)'),
  row("look-alike keys", "local", "a fullwidth letter in a secret's name", set("config/sophia:gongAccessKe\uff59", { secure: "v1:gong-access-key-ciphertext" }), "sophia:gongAccessKe\\uff59: unknown key; did you mean sophia:gongAccessKey? It is a secret: remove this key and set it with pulumi config set --secret gongAccessKey <value> --stack local The name holds \\uff59 (a non-ASCII Latin letter): retype it."),

  // ---- issue 30: valid configs that were refused
  accepted("staging", "an image from a registry with a port", set("config/sophia:images/base", `registry.example.com:5000/library/debian:trixie-slim@sha256:${DIGEST_HEX}`), STAGING_PLANNED),
  accepted("staging", "a YAML anchor and alias", text((y) => y.replace("sshAllowedCidrs: [203.0.113.0/24]", "sshAllowedCidrs: &operators [203.0.113.0/24]").replace("allowedCidrs: [203.0.113.0/24]\n  sophia:retention", "allowedCidrs: *operators\n  sophia:retention")), STAGING_PLANNED),
  accepted("staging", "a YAML merge key", text((y) => y.replace("reservePerNode: { cpu: 2, memoryGiB: 8 }", "reservePerNode: &reserve { cpu: 2, memoryGiB: 8 }").replace("  sophia:retention:\n", "  sophia:retention:\n    <<: { metricsDays: 7 }\n").replace("    metricsDays: 7\n", "")), STAGING_PLANNED),
  accepted("staging", "an image by a nested registry path", set("config/sophia:images/base", `ghcr.io/sophia-ai/mirrors/debian:trixie-slim@sha256:${DIGEST_HEX}`), STAGING_PLANNED),
  accepted("local", "a local base image from a registry on localhost", set("config/sophia:local/baseImage", "localhost:5000/sophia/base:trixie"), "plan local: ", LOCAL_WARNINGS),
  accepted("staging", "a self-hosted model declared private", [set("config/sophia:model/privateEndpoint", true), set("config/sophia:model/baseUrl", "https://10.20.0.5:8000/v1")], STAGING_PLANNED),
  accepted("staging", "a model at a public IPv6 address", set("config/sophia:model/baseUrl", "https://[2606:4700::1111]/v1"), STAGING_PLANNED),
  accepted("staging", "the rehearsal's two endpoints on this machine, named in its key", [set("config/sophia:rehearsal", true), set("config/sophia:images/base", "sophia/base:trixie"), set("config/sophia:ingress/tlsIssuer", "internal"), set(`config/${REHEARSAL_KEY}`, ["sophia:lambda.apiUrl", "sophia:model.baseUrl"]), set("config/sophia:lambda/apiUrl", "http://127.0.0.1:40123"), set("config/sophia:model", { provider: "openai-compatible", baseUrl: "http://172.17.0.2:8000/v1", id: "sophia-stub" })], "plan staging: ", [
    "warning: [runtime] rehearsal: monitoring built from Debian's packages on the node (no registry here), not the pinned upstream images staging uses; no Grafana, no GPU exporter",
    "warning: [runtime] rehearsal: pool gpu-1x-rtx6000-0-research-gpu needs an NVIDIA GPU, which a rehearsal node does not have; skipped (its agents: research-scout)",
    "warning: [runtime] monitoring: no Grafana on staging (Debian has no Grafana package, and no registry is reachable for its image); import packages/monitoring/dashboards/sophia-platform.json into any Grafana",
    "warning: [runtime] Undefined value (grafanaAdminPassword) will not show as a stack output.",
  ]),

  // ---- issue 30: small wrongs
  row("small wrongs", "production", "a number above 2^53", text((y) => y.replace("maxNodesPerType: 2", "maxNodesPerType: 9007199254740993")), "sophia:nodePool.maxNodesPerType: expected at most 64; got 9007199254740993"),
  row("small wrongs", "production", "a misspelled secret key", set("config/sophia:lambdaAPIKey", { secure: "v1:lambda-key-ciphertext" }), "sophia:lambdaAPIKey: unknown key; did you mean sophia:lambdaApiKey? It is a secret: remove this key and set it with pulumi config set --secret lambdaApiKey <value> --stack production"),
  row("small wrongs", "staging", "a rehearsal's warnings ahead of a program error", [set("config/sophia:rehearsal", true), set("config/sophia:alertPageWebhookUrl", { secure: "v1:page-hook-ciphertext" })], "sophia:alertTicketWebhookUrl: sophia:alertPageWebhookUrl is set"),
  row("small wrongs", "local", "a misspelled secret set in plaintext", set("config/sophia:modelAPIKey", PASTED_OPENAI_KEY), "sophia:modelAPIKey: unknown key; did you mean sophia:modelApiKey? It is a secret: remove this key and set it with pulumi config set --secret modelApiKey <value> --stack local", [PASTED_OPENAI_KEY]),
  row("small wrongs", "staging", "a number below -2^53", text((y) => y.replace("metricsDays: 7", "metricsDays: -9007199254740993")), "sophia:retention.metricsDays: expected at least 1; got -9007199254740993"),
  row("small wrongs", "local", "a twenty-digit port", text((y) => y.replace("port: 8443", "port: 99999999999999999999")), "sophia:ingress.port: expected at most 65535; got 99999999999999999999"),
  row("small wrongs", "production", "a secret key in the wrong case", set("config/sophia:sshPrivatekey", { secure: "v1:ssh-key-ciphertext" }), "sophia:sshPrivatekey: unknown key; did you mean sophia:sshPrivateKey? It is a secret"),
  row("small wrongs", "staging", "a secret key without its namespace's letter", append("  sophia:lambdaApiKy: { secure: v1:lambda-key-ciphertext }"), "sophia:lambdaApiKy: unknown key; did you mean sophia:lambdaApiKey? It is a secret"),
];

/** Applies a row's edits to a document parsed from the committed stack file. */
export function applyEdits(yaml: string, edits: readonly Edit[], parse: (text: string) => Document): string {
  let current = yaml;
  for (const edit of edits) {
    if ("text" in edit) {
      current = edit.text(current);
      continue;
    }
    const doc = parse(current);
    if ("set" in edit) doc.setIn(edit.set, edit.to);
    else doc.deleteIn(edit.delete);
    current = doc.toString({ lineWidth: 0 });
  }
  return current;
}
