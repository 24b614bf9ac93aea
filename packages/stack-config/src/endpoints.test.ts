// The endpoint rule, directly: where a URL the stacks fetch may point, per policy.
import { propertyRuns } from "@sophia/agent-categories";
import fc from "fast-check";
import { addressClass, addressProblem, type Endpoint, endpointPolicy, endpointProblem, ENDPOINTS, PUBLIC_HTTPS, REHEARSAL_ENDPOINTS_KEY } from "./endpoints";

const model = ENDPOINTS.find((e) => e.key === "sophia:model.baseUrl")!;
const lambda = ENDPOINTS.find((e) => e.key === "sophia:lambda.apiUrl")!;
const LOCAL = endpointPolicy("local", model, {});
const refused = (url: string, endpoint: Endpoint = model, policy = PUBLIC_HTTPS) => endpointProblem(url, endpoint, policy);

test("a public https URL passes on every stack; the committed endpoints among them", () => {
  for (const url of ["https://api.openai.com/v1", "https://cloud.lambda.ai/api/v1", "https://us-12345.api.gong.io", "https://[2606:4700::1111]/v1", "https://8.8.8.8/v1"]) {
    expect([url, refused(url)]).toEqual([url, undefined]);
  }
});

test.each([
  ["a loopback literal", "https://127.0.0.1/v1", "127.0.0.1 is a loopback address"],
  ["loopback written as one number (the URL parser reads 2130706433 as 127.0.0.1)", "https://2130706433/v1", "127.0.0.1 is a loopback address"],
  ["loopback in hex", "https://0x7f.1/v1", "127.0.0.1 is a loopback address"],
  ["IPv6 loopback", "https://[::1]/v1", "::1 is a loopback address"],
  ["IPv4-mapped IPv6 loopback", "https://[::ffff:127.0.0.1]/v1", "is a loopback address"],
  ["the cloud metadata address", "https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
  ["IPv6 link-local", "https://[fe80::1]/", "is a link-local address"],
  ["the unspecified address", "https://0.0.0.0/v1", "0.0.0.0 is the unspecified address"],
  ["multicast", "https://224.0.0.1/v1", "is a multicast address"],
  ["a private address without the key that intends it", "https://10.0.0.5/v1", "10.0.0.5 is a private address (inside the node's own network) (a model served inside your network: set sophia:model.privateEndpoint: true)"],
  ["the Docker bridge", "https://172.17.0.2:8000/v1", "172.17.0.2 is a private address"],
  ["IPv6 unique-local (AWS's IPv6 metadata address)", "https://[fd00:ec2::254]/", "is a private address"],
  ["localhost", "https://localhost:11434/v1", "localhost always names this machine (loopback)"],
  ["a name under .localhost", "https://api.localhost/v1", "api.localhost always names this machine"],
  ["localhost with a trailing dot", "https://localhost./v1", "localhost always names this machine"],
  ["the metadata name", "http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is the cloud's metadata service"],
  ["a single-label name", "https://models/v1", "models has no dot"],
  ["plain http", "http://api.openai.com/v1", "expected https://"],
  ["user info", "https://user:pw@api.openai.com/v1", "expected a URL without credentials (user info, or a key in its query); put the key in the secret sophia:modelApiKey"],
  ["a key in the query", "https://api.openai.com/v1?api_key=abc", "expected a URL without credentials"],
  ["a key in the path", "https://api.openai.com/v1/sk-proj-4fQz8XwJ2mN7bV1cR9tY6uP3kL0sD5gH", "it holds an OpenAI-style or Anthropic API key"],
  ["a space", "https://api.openai.com/v1 /x", "expected a URL without spaces or control characters"],
  ["a percent-encoded space", "https://api.openai.com/v1%20/x", "percent-encoded ones (%20, %0A, %E2%80%8B, …) included"],
  ["a percent-encoded newline", "https://api.openai.com/v1%0a", "percent-encoded ones"],
  ["a percent-encoded zero-width space", "https://api.openai.com/v1%E2%80%8B", "percent-encoded ones"],
  ["a zero-width space as written", "https://api.openai.com/v1\u200b", "expected a URL without spaces or control characters"],
  ["a broken percent escape", "https://api.openai.com/v1/%E2%80", "percent-escapes decode"],
  ["another scheme", "ftp://api.openai.com/v1", "expected an http(s) URL such as https://api.openai.com/v1"],
  ["not a URL", "api.openai.com/v1", "expected an http(s) URL"],
])("refused on staging and production: %s", (_name, url, expected) => {
  expect(refused(url)).toContain(expected);
});

test("the graver problem first: a metadata URL over http is refused for where it points", () => {
  expect(refused("http://169.254.169.254/latest/meta-data/")).toContain("is a link-local address");
});

test("the local stack: http, loopback and private addresses pass; link-local, unspecified and multicast do not", () => {
  for (const url of ["http://127.0.0.1:11434/v1", "http://localhost:8080", "http://fake-gong:8080", "http://172.17.0.2:8000/v1", "https://api.openai.com/v1"]) expect([url, endpointProblem(url, model, LOCAL)]).toEqual([url, undefined]);
  for (const url of ["http://169.254.169.254/", "http://0.0.0.0:80/", "http://[ff02::1]/", "http://metadata/computeMetadata/v1/"]) expect(endpointProblem(url, model, LOCAL)).toMatch(/expected a public host/);
  expect(endpointProblem("http://user:pw@localhost/", model, LOCAL)).toContain("without credentials");
});

test("a private address where a key intends it: the model's privateEndpoint, still https only", () => {
  const policy = endpointPolicy("staging", model, { "sophia:model": { provider: "openai-compatible", privateEndpoint: true } });
  expect(policy).toMatchObject({ private: true, loopback: false, http: false, allowedBy: "sophia:model.privateEndpoint" });
  expect(endpointProblem("https://10.20.0.5/v1", model, policy)).toBeUndefined();
  expect(endpointProblem("https://vllm/v1", model, policy)).toBeUndefined();
  expect(endpointProblem("http://10.20.0.5/v1", model, policy)).toContain("expected https://");
  expect(endpointProblem("https://127.0.0.1/v1", model, policy)).toContain("loopback");
  // Lambda's API has no such key: it is always public.
  expect(endpointPolicy("staging", lambda, { "sophia:model": { privateEndpoint: true } })).toBe(PUBLIC_HTTPS);
});

test("a rehearsal's endpoints on this machine, by name only", () => {
  const values = { [REHEARSAL_ENDPOINTS_KEY]: ["sophia:lambda.apiUrl"] };
  const policy = endpointPolicy("staging", lambda, values);
  expect(endpointProblem("http://127.0.0.1:40123", lambda, policy)).toBeUndefined();
  expect(endpointProblem("http://169.254.169.254/", lambda, policy)).toContain("link-local");
  // The model is not named: the rule holds for it.
  expect(endpointProblem("http://172.17.0.2:8000/v1", model, endpointPolicy("staging", model, values))).toContain("private address");
});

test("property: every address in 127.0.0.0/8 and 169.254.0.0/16, in any notation the URL parser accepts, is refused on staging", () => {
  const octet = fc.integer({ min: 0, max: 255 });
  fc.assert(
    fc.property(fc.constantFrom(127, 169), octet, octet, octet, fc.constantFrom("dotted", "number", "mapped"), (first, b, c, d, notation) => {
      const address = first === 169 ? `169.254.${c}.${d}` : `127.${b}.${c}.${d}`;
      const number = address.split(".").reduce((n, o) => n * 256 + Number(o), 0);
      const host = notation === "dotted" ? address : notation === "number" ? String(number) : `[::ffff:${address}]`;
      expect(refused(`https://${host}/v1`)).toMatch(/is a (loopback|link-local) address/);
    }),
    propertyRuns(100),
  );
});

test("address classes: IPv4-mapped IPv6 counts as its IPv4 address; private IPv4 is private-network's one rule", () => {
  expect(addressClass("::ffff:10.1.2.3")).toEqual({ kind: "private" });
  expect(addressClass("100.64.0.1")).toEqual({ kind: "private" });
  expect(addressClass("8.8.8.8")).toEqual({ kind: "public" });
  expect(addressClass("2002:7f00:1::")).toEqual({ kind: "forbidden", range: "6to4" });
  expect(addressProblem("203.0.113.5", PUBLIC_HTTPS)).toContain("reserved");
});
