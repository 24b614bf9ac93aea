// The ingress configuration: Caddy in front of every MCP server, with one public site (TLS on
// staging/production) and one plain-HTTP site for the internal network. Pure text from the
// routes and client scopes; tokens and keys are never in it, only `{$ENV}` placeholders Caddy fills
// in from its container's environment at start.
import type { McpServerName } from "./catalog";
import { type ClientScope, tokenEnvName } from "./scopes";

export interface IngressRoute {
  readonly server: McpServerName;
  /** host:port of the server on the internal network. */
  readonly upstream: string;
}

/** Limits every request meets at the edge, before any server sees it. */
/** The ingress's Caddy, built from its Go module into the image (packages/deploy: buildCaddy). */
export const CADDY_VERSION = "2.11.9";

export const EDGE_LIMITS = {
  /** An MCP request is a JSON-RPC message: kilobytes. Larger bodies get 413 from the ingress. */
  maxBodyBytes: 1024 * 1024,
  /** A client that has not sent its headers by then is cut off (slow-header attacks). */
  readHeaderSeconds: 5,
  /** Reading a whole (≤ 1 MiB) body may take this long. */
  readBodySeconds: 10,
  /** Keep-alive connections with no request are closed after this. */
  idleSeconds: 60,
} as const;

export interface IngressSite {
  readonly port: number;
  /** Plain-HTTP port for clients on the internal network (the agent runtimes): same routes, same
   * tokens. It listens only on the ingress's address on that network ({$SOPHIA_INTERNAL_ADDR}), never
   * on the edge network, and is never published. */
  readonly internalPort: number;
  /** On a fleet: the internal site is also published on the platform node's private (WireGuard)
   * address, for pools on other nodes. Docker forwards a published port to the container's edge
   * address, so the internal site then listens there too ({$SOPHIA_EDGE_ADDR}); the edge network
   * reaches it only with the same tokens, and the node publishes it on the private address alone. */
  readonly internalOnEdge?: boolean;
  /** staging/production: Caddy's automatic HTTPS for this host name; local: plain HTTP. */
  readonly tlsHost?: string;
  /** Who signs the certificate: a public ACME CA (default), or Caddy's own internal CA (a rehearsal
   * on one machine, where no ACME CA can reach the host). */
  readonly tlsIssuer?: "acme" | "internal";
  /** Port for Prometheus to scrape Caddy's metrics (`/metrics`) and each server's own
   * (`/servers/<server>/metrics`): internal address only, with its own token. */
  readonly metricsPort: number;
  /** The public URL clients use. Browsers send it as Origin; a request naming another Origin (a web
   * page trying to reach the MCP servers, DNS rebinding) is refused, and so, without TLS, is a
   * request for another Host. */
  readonly publicUrl: string;
  /** The monitoring UIs served on the public site under /monitoring/<name>/, to holders of the
   * monitoring token (as a bearer token, or as the password of HTTP basic auth, which browsers ask
   * for). A UI with `viewerHeader` is told the viewer's name in that header (Grafana's auth proxy). */
  readonly monitoring?: readonly { readonly name: string; readonly upstream: string; readonly viewerHeader?: string }[];
}

/** The header naming the authenticated client to the servers behind the ingress (route_task uses it
 * to check which categories the caller may route to). Whatever a client sends in it is removed first. */
export const CLIENT_HEADER = "X-Sophia-Client";

/** The header carrying the key that proves to a server that the request came through the ingress.
 * Each server has its own key (src/http-edge.ts checks it), so no server can call
 * another as the ingress, and a client's own value is always replaced. */
export const BACKEND_KEY_HEADER = "X-API-Key";

/** The ingress's environment variable holding the key it presents to one server. */
export function backendKeyEnvName(server: McpServerName): string {
  return `SOPHIA_BACKEND_KEY_${server.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The token Prometheus presents to scrape the ingress's metrics. */
export const METRICS_TOKEN_ENV = "SOPHIA_METRICS_TOKEN";
/** The ingress's own address on the internal network, found when the container starts. */
export const INTERNAL_ADDR_ENV = "SOPHIA_INTERNAL_ADDR";
/** Its address on the monitoring network, where the probes and Prometheus reach the same sites. */
export const MONITORING_ADDR_ENV = "SOPHIA_MONITORING_ADDR";
/** Its address on the edge network, where a fleet's private address forwards the internal site. */
export const EDGE_ADDR_ENV = "SOPHIA_EDGE_ADDR";
/** The monitoring viewers' token, and the same as HTTP basic credentials (base64 of viewer:<token>). */
export const MONITORING_TOKEN_ENV = "SOPHIA_MONITORING_TOKEN";
export const MONITORING_BASIC_ENV = "SOPHIA_MONITORING_BASIC";
/** The user name browsers send with the monitoring token as the password. */
export const MONITORING_VIEWER = "viewer";
/** Where the monitoring UIs are served on the public site. */
export const MONITORING_PATH = "/monitoring";

/** A named matcher for requests whose token is none of the given clients'. Caddy 2.6 takes one value
 * per `header` line; repeated lines for one field are OR'd. */
function notAnyToken(name: string, clients: readonly ClientScope[], indent: string): string[] {
  if (clients.length === 0) return [`${indent}@${name} path *`];
  return [
    `${indent}@${name} {`,
    `${indent}\tnot {`,
    ...clients.map((c) => `${indent}\t\theader Authorization "Bearer {$${tokenEnvName(c.client)}}"`),
    `${indent}\t}`,
    `${indent}}`,
  ];
}

export function renderCaddyfile(site: IngressSite, routes: readonly IngressRoute[], scopes: readonly ClientScope[]): string {
  const address = site.tlsHost ? `${site.tlsHost}:${site.port}` : `:${site.port}`;
  const globals = site.tlsHost
    ? // The container's port is published as the host's HTTPS port, so ACME's TLS-ALPN challenge arrives here.
      [`\thttps_port ${site.port}`]
    : ["\tauto_https off"];
  const lines = [
    "# Generated by @sophia/mcp-servers (renderCaddyfile); do not edit.",
    "{",
    "\tadmin off",
    ...globals,
    "\tmetrics",
    "\tservers {",
    "\t\ttimeouts {",
    `\t\t\tread_header ${EDGE_LIMITS.readHeaderSeconds}s`,
    `\t\t\tread_body ${EDGE_LIMITS.readBodySeconds}s`,
    `\t\t\tidle ${EDGE_LIMITS.idleSeconds}s`,
    "\t\t}",
    "\t}",
    "}",
    "",
    `${address} {`,
    ...(site.tlsHost && site.tlsIssuer === "internal" ? ["\ttls internal"] : []),
    // Without TLS the public site answers on any name; only the names of its own URL are served. In
    // a route of its own, so it runs before the routes (Caddy orders bare directives by kind).
    ...(site.tlsHost ? [] : ["\troute {", "\t\t@foreignHost not host 127.0.0.1 localhost", '\t\trespond @foreignHost "unexpected Host" 421', "\t}"]),
    ...monitoringRoutes(site),
    "\timport mcp_routes",
    "}",
    "",
    `http://:${site.internalPort} {`,
    `\tbind {$${INTERNAL_ADDR_ENV}} {$${MONITORING_ADDR_ENV}}${site.internalOnEdge ? ` {$${EDGE_ADDR_ENV}}` : ""}`,
    "\timport mcp_routes",
    "}",
    "",
    `:${site.metricsPort} {`,
    `\tbind {$${INTERNAL_ADDR_ENV}} {$${MONITORING_ADDR_ENV}}`,
    "\troute {",
    "\t\t@stranger not header Authorization \"Bearer {$" + METRICS_TOKEN_ENV + "}\"",
    '\t\trespond @stranger "missing or unknown metrics token" 401',
    "\t\tmetrics /metrics",
    // Each server's own metrics, for the same scraper: the ingress presents the server's key, so
    // Prometheus holds only the metrics token and no server's key.
    ...routes.flatMap((route) => [
      `\t\thandle /servers/${route.server}/metrics {`,
      "\t\t\trewrite * /metrics",
      `\t\t\treverse_proxy ${route.upstream} {`,
      "\t\t\t\theader_up -Authorization",
      `\t\t\t\theader_up ${BACKEND_KEY_HEADER} {$${backendKeyEnvName(route.server)}}`,
      "\t\t\t}",
      "\t\t}",
    ]),
    '\t\trespond "not found" 404',
    "\t}",
    "}",
  ];
  return [...snippet(site, routes, scopes), ...lines].join("\n") + "\n";
}

/** The monitoring UIs, public site only, in a route of their own before the MCP routes: the monitoring
 * token or nothing (401 with a basic-auth challenge, so a browser asks), never an MCP client's token,
 * and no credential or viewer name of the client's reaches a UI. */
function monitoringRoutes(site: IngressSite): string[] {
  if (!site.monitoring?.length) return [];
  const origin = new URL(site.publicUrl).origin;
  return [
    `\troute ${MONITORING_PATH}/* {`,
    "\t\t@foreignOrigin {",
    "\t\t\theader Origin *",
    `\t\t\tnot header Origin ${origin}`,
    "\t\t}",
    '\t\trespond @foreignOrigin "origin not allowed" 403',
    "\t\t@noViewer {",
    "\t\t\tnot {",
    `\t\t\t\theader Authorization "Bearer {$${MONITORING_TOKEN_ENV}}"`,
    `\t\t\t\theader Authorization "Basic {$${MONITORING_BASIC_ENV}}"`,
    "\t\t\t}",
    "\t\t}",
    '\t\theader @noViewer WWW-Authenticate "Basic realm=\\"sophia monitoring\\""',
    '\t\trespond @noViewer "missing or unknown monitoring token" 401',
    // Prometheus's admin API (on where its history is snapshotted to a persistent filesystem) deletes
    // series and writes snapshots: never through the ingress, whatever the token or spelling.
    "\t\t@adminApi path_regexp (?i)^/monitoring/[^/]+/api/v1/admin(/|$)",
    '\t\trespond @adminApi "admin APIs are not served through the ingress" 403',
    "\t\trequest_header -Authorization",
    `\t\trequest_header -${CLIENT_HEADER}`,
    ...[...new Set(site.monitoring.flatMap((ui) => (ui.viewerHeader ? [ui.viewerHeader] : [])))].map((h) => `\t\trequest_header -${h}`),
    ...site.monitoring.flatMap((ui) => [
      `\t\tredir ${MONITORING_PATH}/${ui.name} ${MONITORING_PATH}/${ui.name}/`,
      `\t\thandle_path ${MONITORING_PATH}/${ui.name}/* {`,
      ...(ui.viewerHeader ? [`\t\t\trequest_header ${ui.viewerHeader} ${MONITORING_VIEWER}`] : []),
      `\t\t\treverse_proxy ${ui.upstream}`,
      "\t\t}",
    ]),
    '\t\trespond "no such monitoring UI" 404',
    "\t}",
  ];
}

/** 411 for a POST without Content-Length, 413 for one over the limit, before anything reads the body.
 * (A chunked body cut off by Caddy 2.6's request_body would reach the server truncated and come back
 * as 500.) Lengths are compared as digit strings: CEL's int() fails on an absent header. */
function bodyLimit(indent: string): string[] {
  const limit = String(EDGE_LIMITS.maxBodyBytes);
  const length = "{http.request.header.Content-Length}";
  return [
    `${indent}@unsized {`,
    `${indent}\tmethod POST`,
    `${indent}\tnot header Content-Length *`,
    `${indent}}`,
    `${indent}respond @unsized "Content-Length required" 411`,
    `${indent}@tooLarge expression size(${length}) > ${limit.length} || (size(${length}) == ${limit.length} && ${length} > "${limit}")`,
    `${indent}respond @tooLarge "request body over ${limit} bytes" 413`,
  ];
}

/** The routes both sites serve, as a Caddyfile snippet. */
function snippet(site: IngressSite, routes: readonly IngressRoute[], scopes: readonly ClientScope[]): string[] {
  const origin = new URL(site.publicUrl).origin;
  const lines = [
    "(mcp_routes) {",
    "\troute {",
    "\t\trespond /healthz 200",
    // A browser page (a rebinding attack, a hostile site) sends its own Origin; MCP clients send none.
    "\t\t@foreignOrigin {",
    "\t\t\theader Origin *",
    `\t\t\tnot header Origin ${origin}`,
    "\t\t}",
    '\t\trespond @foreignOrigin "origin not allowed" 403',
    ...notAnyToken("anonymous", scopes, "\t\t"),
    '\t\trespond @anonymous "missing or unknown bearer token" 401',
    ...bodyLimit("\t\t"),
    `\t\trequest_header -${CLIENT_HEADER}`,
    ...scopes.flatMap((s) => {
      const matcher = `client_${s.client.replace(/[^a-z0-9]/g, "_")}`;
      return [`\t\t@${matcher} header Authorization "Bearer {$${tokenEnvName(s.client)}}"`, `\t\trequest_header @${matcher} ${CLIENT_HEADER} ${s.client}`];
    }),
  ];
  for (const route of routes) {
    const allowed = scopes.filter((s) => s.servers.includes(route.server));
    lines.push(
      `\t\thandle_path /${route.server}/* {`,
      // A known token without this server in its scope.
      ...notAnyToken("outOfScope", allowed, "\t\t\t"),
      `\t\t\trespond @outOfScope "token not allowed to use ${route.server}" 403`,
      `\t\t\treverse_proxy ${route.upstream} {`,
      // The client's token stays at the ingress; the server gets its own key instead.
      "\t\t\t\theader_up -Authorization",
      `\t\t\t\theader_up ${BACKEND_KEY_HEADER} {$${backendKeyEnvName(route.server)}}`,
      "\t\t\t}",
      "\t\t}",
    );
  }
  lines.push('\t\trespond "no such MCP server" 404', "\t}", "}", "");
  return lines;
}
