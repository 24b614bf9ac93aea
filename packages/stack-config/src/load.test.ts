// Every malformed config stops with one line naming the stack file, the key, what was expected and
// what was found. The cases start from the committed stack files and break one thing each.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError } from "./errors";
import { loadStackConfig, loadStackFile } from "./load";
import { type Environment, SECRET_KEYS } from "./schema";
import { parseStackFile } from "./stack-file";

const stacksDir = path.resolve(__dirname, "../../../stacks");

/** Load stack `stack` from its committed file, with the secrets a deployment sets (`pulumi config set
 * --secret`; the committed files hold none), after `edit` changed the YAML document. */
function load(stack: string, edit: (doc: ReturnType<typeof parseDocument>) => void = () => undefined) {
  const doc = parseDocument(fs.readFileSync(path.join(stacksDir, `Pulumi.${stack}.yaml`), "utf8"));
  for (const key of SECRET_KEYS[stack as Environment].required) doc.setIn(["config", key], { secure: "v1:ciphertext-a-deployment-set" });
  edit(doc);
  const { raw, secretKeys } = parseStackFile(doc.toString(), `Pulumi.${stack}.yaml`);
  return loadStackConfig(stack, raw, (key) => secretKeys.includes(key));
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a ConfigError, but the config loaded");
}

describe("the committed stack files", () => {
  it("accept a base image by tag only in a rehearsal, whose nodes hold the image it loaded", () => {
    const config = load("staging", (d) => {
      d.setIn(["config", "sophia:images", "base"], "sophia/base:trixie");
      d.setIn(["config", "sophia:rehearsal"], true);
    });
    expect(config.environment === "staging" && config.values["sophia:images"].base).toBe("sophia/base:trixie");
  });

  it.each(["local", "staging", "production"])("%s loads", (stack) => {
    expect(load(stack).environment).toBe(stack);
  });

  it("keeps secret values apart from the printable config", () => {
    const config = load("production");
    expect(Object.keys(config.secrets).sort()).toEqual(["sophia:lambdaApiKey", "sophia:modelApiKey", "sophia:sshPrivateKey"]);
    expect(JSON.stringify(config.values)).not.toContain("secret");
  });
});

const cases: Array<[string, string, (doc: ReturnType<typeof parseDocument>) => void, string]> = [
  ["wrong type", "staging", (d) => d.setIn(["config", "sophia:ingress", "port"], "abc"), 'stacks/Pulumi.staging.yaml: sophia:ingress.port: expected a number; got "abc"'],
  ["missing required key", "staging", (d) => d.deleteIn(["config", "sophia:retention"]), "stacks/Pulumi.staging.yaml: sophia:retention: missing required key; expected a mapping of keys"],
  [
    "unknown instance type",
    "production",
    (d) => d.setIn(["config", "sophia:nodePool", "instanceTypes", 0], "gpu_1x_a100x"),
    'stacks/Pulumi.production.yaml: sophia:nodePool.instanceTypes[0]: expected one of gpu_1x_rtx6000, gpu_1x_a10, gpu_1x_gh200, gpu_1x_h100_pcie, gpu_1x_h100_sxm5, gpu_1x_b200_sxm6, gpu_2x_h100_sxm5, gpu_2x_b200_sxm6, gpu_4x_a6000, gpu_4x_h100_sxm5, gpu_4x_b200_sxm6, gpu_8x_v100, gpu_8x_a100, gpu_8x_a100_80gb_sxm4, gpu_8x_h100_sxm5, gpu_8x_b200_sxm6; got "gpu_1x_a100x"',
  ],
  ["negative count", "production", (d) => d.setIn(["config", "sophia:nodePool", "maxNodesPerType"], -1), "stacks/Pulumi.production.yaml: sophia:nodePool.maxNodesPerType: expected at least 1; got -1"],
  ["bad CIDR", "staging", (d) => d.setIn(["config", "sophia:ingress", "allowedCidrs", 0], "10.0.0.0/33"), 'stacks/Pulumi.staging.yaml: sophia:ingress.allowedCidrs[0]: expected an IPv4 CIDR such as 10.0.0.0/8; got "10.0.0.0/33"'],
  [
    "private network over Docker's networks",
    "staging",
    (d) => d.setIn(["config", "sophia:privateNetwork", "cidr"], "172.18.0.0/16"),
    "stacks/Pulumi.staging.yaml: sophia:privateNetwork.cidr: expected a range apart from Docker's address pools (172.17.0.0/16, 172.18.0.0/15, 172.20.0.0/14, 172.24.0.0/13, 192.168.0.0/16), where the nodes' container networks live; got 172.18.0.0/16, which overlaps 172.18.0.0/15",
  ],
  [
    "private network too small for the node pool",
    "production",
    (d) => {
      d.setIn(["config", "sophia:privateNetwork", "cidr"], "10.211.0.0/21");
      d.setIn(["config", "sophia:nodePool", "maxNodesPerType"], 63);
    },
    "stacks/Pulumi.production.yaml: sophia:privateNetwork.cidr: expected room for sophia:nodePool.maxNodesPerType (63) nodes of each type; a /21 holds 62 (one block of 64 per type): use a larger range",
  ],
  ["private network missing", "staging", (d) => d.deleteIn(["config", "sophia:privateNetwork"]), "stacks/Pulumi.staging.yaml: sophia:privateNetwork: missing required key; expected a mapping of keys"],
  [
    "plaintext where a secret is required",
    "production",
    (d) => d.setIn(["config", "sophia:lambdaApiKey"], "secret_sophia_abc123"),
    "stacks/Pulumi.production.yaml: sophia:lambdaApiKey: expected a Pulumi secret (pulumi config set --secret lambdaApiKey …); found a plaintext value",
  ],
  ["unknown top-level key (typo)", "local", (d) => d.setIn(["config", "sophia:ingres"], { port: 1 }), "stacks/Pulumi.local.yaml: sophia:ingres: unknown key; did you mean sophia:ingress?"],
  ["unknown nested key (typo)", "local", (d) => d.setIn(["config", "sophia:ingress", "prot"], 8443), "stacks/Pulumi.local.yaml: sophia:ingress.prot: unknown key; did you mean port?"],
  ["port out of range", "local", (d) => d.setIn(["config", "sophia:ingress", "port"], 70000), "stacks/Pulumi.local.yaml: sophia:ingress.port: expected at most 65535; got 70000"],
  ["fractional count", "local", (d) => d.setIn(["config", "sophia:retention", "metricsDays"], 1.5), "stacks/Pulumi.local.yaml: sophia:retention.metricsDays: expected an integer; got 1.5"],
  ["unknown GPU policy", "local", (d) => d.setIn(["config", "sophia:placement", "gpuPolicy"], "maybe"), 'stacks/Pulumi.local.yaml: sophia:placement.gpuPolicy: expected one of fail, cpu-fallback; got "maybe"'],
  ["environment that is not the stack's", "staging", (d) => d.setIn(["config", "sophia:environment"], "production"), 'stacks/Pulumi.staging.yaml: sophia:environment: expected "staging" (the stack\'s name); got "production"'],
  ["missing required secret", "staging", (d) => d.deleteIn(["config", "sophia:sshPrivateKey"]), "stacks/Pulumi.staging.yaml: sophia:sshPrivateKey: missing required secret; set it with: pulumi config set --secret sshPrivateKey <value> --stack staging"],
  ["empty list", "production", (d) => d.setIn(["config", "sophia:nodePool", "regions"], []), "stacks/Pulumi.production.yaml: sophia:nodePool.regions: expected at least 1 item(s); got []"],
  ["mapping replaced by text", "local", (d) => d.setIn(["config", "sophia:retention"], "small"), 'stacks/Pulumi.local.yaml: sophia:retention: expected a mapping of keys; got "small"'],
  ["production without TLS", "production", (d) => d.setIn(["config", "sophia:ingress", "tls"], false), "stacks/Pulumi.production.yaml: sophia:ingress.tls: production serves MCP over TLS; expected true; got"],
  ["malformed SSH public key", "staging", (d) => d.setIn(["config", "sophia:lambda", "sshPublicKey"], "not-a-key"), 'stacks/Pulumi.staging.yaml: sophia:lambda.sshPublicKey: expected an OpenSSH public key (ssh-ed25519 AAAA…); got "not-a-key"'],
  ["docker host that is not a socket", "local", (d) => d.setIn(["config", "sophia:local", "dockerHost"], "tcp://0.0.0.0:2375"), 'stacks/Pulumi.local.yaml: sophia:local.dockerHost: expected a unix socket URL such as unix:///var/run/docker.sock; got "tcp://0.0.0.0:2375"'],
  ["TLS without a host name", "staging", (d) => d.deleteIn(["config", "sophia:ingress", "host"]), "stacks/Pulumi.staging.yaml: sophia:ingress.host: TLS needs the DNS name clients use (Caddy gets its certificate for it); expected a name such as mcp.example.com"],
  ["a rehearsal of production", "production", (d) => d.setIn(["config", "sophia:rehearsal"], true), "stacks/Pulumi.production.yaml: sophia:rehearsal: a rehearsal deploys staging on one machine; production is never rehearsed in place; expected false or no key"],
  ["Caddy's internal CA on production", "production", (d) => d.setIn(["config", "sophia:ingress", "tlsIssuer"], "internal"), "stacks/Pulumi.production.yaml: sophia:ingress.tlsIssuer: production's certificate comes from a public ACME CA, which clients trust; expected acme (or no tlsIssuer)"],
  ["the stub model outside local", "production", (d) => d.setIn(["config", "sophia:model"], { provider: "stub" }), "stacks/Pulumi.production.yaml: sophia:model.provider: the stub model is test scaffolding for the local stack; expected provider openai-compatible"],
  [
    "a base image not pinned by digest",
    "staging",
    (d) => d.setIn(["config", "sophia:images", "base"], "debian:trixie-slim"),
    'stacks/Pulumi.staging.yaml: sophia:images.base: expected an image pinned by digest, such as debian:trixie-slim@sha256:<64 hex> (only a rehearsal, whose nodes hold the image it loaded, names one by tag)',
  ],
  ["unknown model provider", "local", (d) => d.setIn(["config", "sophia:model", "provider"], "gpt"), "stacks/Pulumi.local.yaml: sophia:model.provider:"],
];

describe("what is valid is accepted", () => {
  it("the rehearsal's config copy: its fake Lambda API on loopback and its stub model on the Docker bridge, named in its own key", () => {
    const rehearsal = (d: ReturnType<typeof parseDocument>) => {
      d.setIn(["config", "sophia:rehearsal"], true);
      d.setIn(["config", "sophia:lambda", "apiUrl"], "http://127.0.0.1:40123");
      d.setIn(["config", "sophia:model"], { provider: "openai-compatible", baseUrl: "http://172.17.0.3:8000/v1", id: "sophia-stub" });
      d.setIn(["config", "sophia:images", "base"], "sophia/base:trixie");
    };
    const config = load("staging", (d) => {
      rehearsal(d);
      d.setIn(["config", "sophia:rehearsalEndpointsOnThisMachine"], ["sophia:lambda.apiUrl", "sophia:model.baseUrl"]);
    });
    expect(config.environment).toBe("staging");
    // Without the key, the same copy is refused: the rule is not weakened for staging.
    expect(errorOf(() => load("staging", rehearsal))).toContain("sophia:lambda.apiUrl: expected a public host; 127.0.0.1 is a loopback address");
  });

  it("anchors, aliases and merge keys, resolved as Pulumi's parser does", () => {
    const text = fs.readFileSync(path.join(stacksDir, "Pulumi.staging.yaml"), "utf8")
      .replace("sshAllowedCidrs: [203.0.113.0/24]", "sshAllowedCidrs: &operators [203.0.113.0/24]")
      .replace("allowedCidrs: [203.0.113.0/24]\n  sophia:retention:", "allowedCidrs: *operators\n  sophia:retention:")
      .replace("  sophia:retention:\n    metricsDays: 7", "  sophia:retention:\n    <<: &short { metricsDays: 7 }");
    const { config } = loadStackFile("staging", text, "Pulumi.staging.yaml");
    expect(config.environment === "staging" && [config.values["sophia:ingress"].allowedCidrs, config.values["sophia:retention"].metricsDays]).toEqual([["203.0.113.0/24"], 7]);
  });

  it("a registry with a port in an image reference", () => {
    const base = "registry.example.com:5000/library/debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f";
    const config = load("production", (d) => d.setIn(["config", "sophia:images", "base"], base));
    expect(config.environment === "production" && config.values["sophia:images"].base).toBe(base);
  });
});

describe("a malformed config stops with one line", () => {
  it.each(cases)("%s", (_name, stack, edit, expected) => {
    expect(errorOf(() => load(stack, edit))).toContain(expected);
  });

  it("an alias bomb stops at once, naming the file", () => {
    const levels = ["a: &a [x,x,x,x,x,x,x,x,x]", ...["b", "c", "d", "e", "f", "g", "h", "i"].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(",")}]`)];
    const started = Date.now();
    expect(() => parseStackFile(`config:\n${levels.map((l) => `  ${l}`).join("\n")}\n`, "Pulumi.local.yaml")).toThrow(/^Pulumi\.local\.yaml:2:3: YAML aliases: they expand past 100 resolutions \(an alias bomb\?\); write the values out$/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a number beyond 2^53 as written, with the key's own bound (not the double's)", () => {
    expect(errorOf(() => load("production", (d) => d.setIn(["config", "sophia:nodePool", "maxNodesPerType"], 9007199254740993n)))).toBe(
      "stacks/Pulumi.production.yaml: sophia:nodePool.maxNodesPerType: expected at most 64; got 9007199254740993",
    );
  });

  it("half a pair of secrets names the missing one and its command", () => {
    expect(errorOf(() => load("staging", (d) => d.setIn(["config", "sophia:alertPageWebhookUrl"], { secure: "v1:page" })))).toBe(
      "stacks/Pulumi.staging.yaml: sophia:alertTicketWebhookUrl: sophia:alertPageWebhookUrl is set, so alerting by webhook (pages and tickets) needs this secret too (all of sophia:alertPageWebhookUrl, sophia:alertTicketWebhookUrl, or none); set it with: pulumi config set --secret alertTicketWebhookUrl <value> --stack staging",
    );
  });

  it("a misspelled secret key is steered to the secret's own command", () => {
    expect(errorOf(() => load("production", (d) => d.setIn(["config", "sophia:lambdaAPIKey"], { secure: "v1:x" })))).toBe(
      "stacks/Pulumi.production.yaml: sophia:lambdaAPIKey: unknown key; did you mean sophia:lambdaApiKey? It is a secret: remove this key and set it with pulumi config set --secret lambdaApiKey <value> --stack production",
    );
  });

  it("a key that looks right and is not: escaped, and what it holds named", () => {
    expect(errorOf(() => load("production", (d) => d.setIn(["config", "sophia:pr\u043etect"], true)))).toBe(
      "stacks/Pulumi.production.yaml: sophia:pr\\u043etect: unknown key; did you mean sophia:protect? The name holds \\u043e (a Cyrillic letter): retype it.",
    );
  });

  it("never prints a secret's value", () => {
    const message = errorOf(() => load("production", (d) => d.setIn(["config", "sophia:lambdaApiKey"], "secret_sophia_abc123")));
    expect(message).not.toContain("secret_sophia_abc123");
  });
});
