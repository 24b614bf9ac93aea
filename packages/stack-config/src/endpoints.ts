// Where a URL the stacks read may point: one rule for every endpoint key. Pure: the schema applies it
// to the URL as written (literal addresses and well-known names), and endpointsResolveSafely
// (resolve.ts) applies the same address classes to what each host name resolves to at deploy time.
//
// On a GPU node these URLs are fetched with the stack's keys attached, so each is a classic target of
// server-side request forgery: this machine (loopback), the cloud's metadata service (link-local),
// the node's own network (private), or a plain-http hop anyone on the path can answer.
import * as net from "node:net";
import { isPrivateAddress } from "@sophia/private-network";
import * as ipaddr from "ipaddr.js";
import { credentialsIn, urlCredentials } from "./redact";

export const ENDPOINT_KEYS = ["sophia:model.baseUrl", "sophia:gong.baseUrl", "sophia:lambda.apiUrl"] as const;
export type EndpointKey = (typeof ENDPOINT_KEYS)[number];

export interface Endpoint {
  readonly key: EndpointKey;
  /** Where the URL sits in the config: [top-level key, field]. */
  readonly path: readonly [string, string];
  readonly example: string;
  /** The secret that travels with every request to it. */
  readonly secretKey: string;
  /** The boolean beside the URL that says a private address is intended, where one may be. */
  readonly privateFlag?: string;
}

/** Every URL the stacks read. A new URL key is a row here, or it is not checked. */
export const ENDPOINTS: readonly Endpoint[] = [
  // A self-hosted model may live inside your network: privateEndpoint says so.
  { key: "sophia:model.baseUrl", path: ["sophia:model", "baseUrl"], example: "https://api.openai.com/v1", secretKey: "sophia:modelApiKey", privateFlag: "privateEndpoint" },
  { key: "sophia:gong.baseUrl", path: ["sophia:gong", "baseUrl"], example: "https://us-12345.api.gong.io", secretKey: "sophia:gongAccessKey" },
  { key: "sophia:lambda.apiUrl", path: ["sophia:lambda", "apiUrl"], example: "https://cloud.lambda.ai/api/v1", secretKey: "sophia:lambdaApiKey" },
];

/** What an endpoint may point at beyond a public https host, and which key or stack allows it. */
export interface EndpointPolicy {
  readonly http: boolean;
  readonly loopback: boolean;
  readonly private: boolean;
  readonly allowedBy?: string;
}

export const PUBLIC_HTTPS: EndpointPolicy = { http: false, loopback: false, private: false };

/** The rehearsal's own key: the endpoints it points at this machine (its fake Lambda API on loopback,
 * its stub model on the Docker bridge), each by name. */
export const REHEARSAL_ENDPOINTS_KEY = "sophia:rehearsalEndpointsOnThisMachine";

/** The local stack runs on this machine's Docker engine: its endpoints may be http, loopback or private
 * (a fake on the Docker network); link-local, unspecified and multicast are refused everywhere. */
const LOCAL: EndpointPolicy = { http: true, loopback: true, private: true, allowedBy: "the local stack" };
const ON_THIS_MACHINE: EndpointPolicy = { http: true, loopback: true, private: true, allowedBy: REHEARSAL_ENDPOINTS_KEY };

/** The policy of each endpoint of a stack's config (values as the schema typed them). */
export function endpointPolicy(environment: string, endpoint: Endpoint, values: Readonly<Record<string, unknown>>): EndpointPolicy {
  if (environment === "local") return LOCAL;
  const onThisMachine = values[REHEARSAL_ENDPOINTS_KEY];
  if (Array.isArray(onThisMachine) && onThisMachine.includes(endpoint.key)) return ON_THIS_MACHINE;
  const section = values[endpoint.path[0]] as Record<string, unknown> | undefined;
  if (endpoint.privateFlag && section?.[endpoint.privateFlag] === true) return { ...PUBLIC_HTTPS, private: true, allowedBy: `${endpoint.path[0]}.${endpoint.privateFlag}` };
  return PUBLIC_HTTPS;
}

/** An endpoint's URL in a config, with its policy. */
export interface EndpointUse {
  readonly endpoint: Endpoint;
  readonly url: string;
  readonly policy: EndpointPolicy;
}

export function endpointsOf(environment: string, values: Readonly<Record<string, unknown>>): EndpointUse[] {
  return ENDPOINTS.flatMap((endpoint) => {
    const url = (values[endpoint.path[0]] as Record<string, unknown> | undefined)?.[endpoint.path[1]];
    return typeof url === "string" ? [{ endpoint, url, policy: endpointPolicy(environment, endpoint, values) }] : [];
  });
}

/** Address classes by ipaddr.js's range names; private IPv4 is @sophia/private-network's one rule. */
const RANGE_WORDS: Readonly<Record<string, string>> = {
  loopback: "a loopback address (this machine itself)",
  linkLocal: "a link-local address (169.254.0.0/16 or fe80::/10, where cloud metadata services answer)",
  unspecified: "the unspecified address (it reaches this machine)",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  private: "a private address (inside the node's own network)",
  reserved: "a reserved address (documentation, benchmarking or future use)",
};

export type AddressClass = { readonly kind: "public" | "loopback" | "private" } | { readonly kind: "forbidden"; readonly range: string };

/** The class of an IP address (IPv4-mapped IPv6 counts as its IPv4 address). */
export function addressClass(address: string): AddressClass {
  const ip = ipaddr.process(address.replace(/^\[|\]$/g, ""));
  if (ip.kind() === "ipv4" && isPrivateAddress(ip.toString())) return { kind: "private" };
  const range = ip.range();
  if (range === "unicast") return { kind: "public" };
  if (range === "loopback") return { kind: "loopback" };
  if (range === "uniqueLocal") return { kind: "private" };
  return { kind: "forbidden", range };
}

/** What is wrong with an address under a policy, in words, or undefined. */
export function addressProblem(address: string, policy: EndpointPolicy): string | undefined {
  const found = addressClass(address);
  if (found.kind === "public" || (found.kind === "loopback" && policy.loopback) || (found.kind === "private" && policy.private)) return undefined;
  return found.kind === "forbidden" ? (RANGE_WORDS[found.range] ?? `a special-purpose address (${found.range})`) : RANGE_WORDS[found.kind]!;
}

/** Names that always mean this machine or the cloud's metadata service, whatever DNS says. */
const WELL_KNOWN_NAMES: Readonly<Record<string, string>> = {
  localhost: "loopback",
  "localhost.localdomain": "loopback",
  "ip6-localhost": "loopback",
  "ip6-loopback": "loopback",
  metadata: "linkLocal",
  "metadata.google.internal": "linkLocal",
  "metadata.goog": "linkLocal",
  "instance-data": "linkLocal",
  "instance-data.ec2.internal": "linkLocal",
};

/** A URL's host as DNS and the address parsers take it: no brackets, no trailing dot, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
}

/** What is wrong with a host as written (a literal address or a well-known name), or undefined. */
export function hostProblem(host: string, endpoint: Endpoint, policy: EndpointPolicy): string | undefined {
  const privateHint = endpoint.privateFlag ? ` (a model served inside your network: set ${endpoint.path[0]}.${endpoint.privateFlag}: true)` : "";
  if (net.isIP(host)) {
    const problem = addressProblem(host, policy);
    return problem && `expected a public host; ${host} is ${problem}${addressClass(host).kind === "private" ? privateHint : ""}`;
  }
  const known = WELL_KNOWN_NAMES[host] ?? (host.endsWith(".localhost") ? "loopback" : undefined);
  if (known === "loopback" && !policy.loopback) return `expected a public host; ${host} always names this machine (loopback)`;
  if (known === "linkLocal") return `expected a public host; ${host} is the cloud's metadata service (link-local)`;
  if (!host.includes(".") && !policy.private) return `expected a fully qualified host name; ${host} has no dot, so the node would look it up in its search domains, inside its own network${privateHint}`;
  return undefined;
}

const CONTROL_OR_SPACE = /[\s\p{Cc}\p{Cf}]/u;

/** Everything wrong with an endpoint's URL as written, in words (the caller adds the value), or
 * undefined. Names are resolved only at deploy time (endpointsResolveSafely). */
export function endpointProblem(value: string, endpoint: Endpoint, policy: EndpointPolicy): string | undefined {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || !/^https?:$/.test(url.protocol)) return `expected an http(s) URL such as ${endpoint.example}`;
  // Credentials in a URL would sit in plaintext in the stack file and the state.
  if (urlCredentials(value)) return `expected a URL without credentials (user info, or a key in its query); put the key in the secret ${endpoint.secretKey}`;
  const credentials = credentialsIn(value);
  if (credentials.length > 0) return `expected a URL without credentials (it holds ${credentials[0]}); put the key in the secret ${endpoint.secretKey}`;
  if (CONTROL_OR_SPACE.test(value)) return "expected a URL without spaces or control characters";
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.href);
  } catch {
    return "expected a URL whose percent-escapes decode to text (a stray % or a broken escape)";
  }
  if (CONTROL_OR_SPACE.test(decoded)) return "expected a URL without spaces or control characters, percent-encoded ones (%20, %0A, %E2%80%8B, …) included";
  // Where it points first: a metadata or loopback target is the graver mistake, whatever the scheme.
  const host = hostProblem(hostOf(url), endpoint, policy);
  if (host) return host;
  if (url.protocol === "http:" && !policy.http) return `expected https://, such as ${endpoint.example}: over plain http the key travels in clear text and anyone on the path can answer`;
  return undefined;
}
