// sophia-ops's way to the Docker engine: a Caddy in front of the engine's socket that passes reads of
// what the docker provider refreshes (containers, images, networks, volumes, the engine's version)
// and answers 403 to everything else: no create, no exec, no archive or export of a container's
// files, no logs. A preview or a refresh in sophia-ops works; nothing it runs can change the engine,
// which as root on the node would be the node itself.
export const DOCKER_READONLY_ALIAS = "docker-readonly";
export const DOCKER_READONLY_PORT = 2375;

/** The API paths the proxy passes, with or without a version prefix (/v1.47/…). */
export const DOCKER_READ_PATHS = String.raw`^(/v[0-9.]+)?/(_ping|version|info|containers/json|containers/[^/]+/json|images/json|images/.+/json|networks|networks/[^/]+|volumes|volumes/[^/]+)$`;

/** Whether the proxy passes a request (the same rule as the Caddyfile's, for tests and the docs). */
export function dockerReadAllowed(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") && new RegExp(DOCKER_READ_PATHS).test(path.split("?")[0]!);
}

export function renderDockerReadOnlyCaddyfile(socketPath: string, port: number = DOCKER_READONLY_PORT): string {
  return [
    "{",
    "\tadmin off",
    "\tauto_https off",
    "}",
    `:${port} {`,
    "\t@read {",
    "\t\tmethod GET HEAD",
    `\t\tpath_regexp ${DOCKER_READ_PATHS}`,
    "\t}",
    "\thandle @read {",
    `\t\treverse_proxy unix/${socketPath}`,
    "\t}",
    "\thandle {",
    `\t\trespond "sophia docker-readonly: {method} {path} is not a read this proxy passes" 403`,
    "\t}",
    "}",
    "",
  ].join("\n");
}

