/* global process, URL, Headers, Request, require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (NODE_OPTIONS=--require) */
// Preloaded into the MCP conformance CLI by the smoke (NODE_OPTIONS=--require): the CLI has no
// option for request headers, so this adds the smoke's bearer token to its requests to the ingress
// URL under test, and to nothing else. With SOPHIA_CONFORMANCE_RESOLVE=<host>=<address> (the
// rehearsal's TLS ingress, named by a DNS name no resolver knows here), that name connects to that
// address; the certificate is checked as usual (NODE_EXTRA_CA_CERTS adds the rehearsal's CA).
// Test scaffolding; never used outside the smoke and the rehearsal.
const resolve = process.env.SOPHIA_CONFORMANCE_RESOLVE;
if (resolve) {
  const [name, address] = resolve.split("=");
  const { Agent, setGlobalDispatcher } = require("undici");
  const lookup = (hostname, options, callback) => {
    if (hostname !== name) return require("node:dns").lookup(hostname, options, callback);
    return options && options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4);
  };
  setGlobalDispatcher(new Agent({ connect: { lookup } }));
}
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
