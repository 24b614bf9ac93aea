// The config mistake corpus: realistic mistakes in the three stack files, one per row. Each row
// starts from the committed stack file, breaks one thing, and says which key (or file position) the
// one-line error must name. Adding a case is adding a row. tools/config-corpus.test.ts runs every
// row through the plan command and checks: exit code 1, nothing on stdout, exactly one line on stderr
// naming the file and the key, and no secret of the file in any output.
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
  | "shape";

export type Edit = { readonly set: readonly (string | number)[]; readonly to: unknown } | { readonly delete: readonly (string | number)[] } | { readonly text: (yaml: string) => string };

export interface Mistake {
  readonly class: MistakeClass;
  readonly name: string;
  readonly stack: "local" | "staging" | "production";
  readonly edits: readonly Edit[];
  /** What the line must contain besides the file: the key, or `:<line>:<col>:` and the problem. */
  readonly expect: string;
  /** Values the file holds that must appear in no output. */
  readonly secrets?: readonly string[];
}

const set = (path: string, to: unknown): Edit => ({ set: path.split("/").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), to });
const del = (path: string): Edit => ({ delete: path.split("/") });
const text = (fn: (yaml: string) => string): Edit => ({ text: fn });
const append = (lines: string): Edit => text((yaml) => `${yaml.trimEnd()}\n${lines}\n`);

const PASTED_OPENAI_KEY = "sk-proj-4fQz8XwJ2mN7bV1cR9tY6uP3kL0sD5gH";
const PASTED_LAMBDA_KEY = "secret_sophia-prod_8c1f4e7a92b34d6e8f0a1b2c3d4e5f60";
const URL_PASSWORD = "hunter2-Zq8vXc71";

const row = (cls: MistakeClass, stack: Mistake["stack"], name: string, edits: Edit | Edit[], expect: string, secrets?: string[]): Mistake => ({
  class: cls,
  name,
  stack,
  edits: Array.isArray(edits) ? edits : [edits],
  expect,
  secrets,
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
