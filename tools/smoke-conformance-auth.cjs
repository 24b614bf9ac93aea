/* global process, URL, Headers, Request */
// Preloaded into the MCP conformance CLI by the smoke (NODE_OPTIONS=--require): the CLI has no
// option for request headers, so this adds the smoke's bearer token to its requests to the ingress
// URL under test, and to nothing else. Test scaffolding; never used outside the smoke.
const target = process.env.SOPHIA_CONFORMANCE_URL;
const token = process.env.SOPHIA_CONFORMANCE_TOKEN;
const originalFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!target || !token || !url.startsWith(target)) return originalFetch(input, init);
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set("authorization", `Bearer ${token}`);
  return originalFetch(input, { ...init, headers });
};
