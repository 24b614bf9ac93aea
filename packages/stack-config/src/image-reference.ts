// Image references by the OCI distribution grammar (github.com/distribution/reference, grammar.go and
// regexp.go): [registry-host[:port]/]path[:tag][@digest]. Transcribed from that grammar, which no
// maintained npm package implements whole (registry ports, nested paths, tag and digest together).

const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domain = `${host}(?::[0-9]+)?`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(?:(?<domain>${domain})/)?(?<path>${pathComponent}(?:/${pathComponent})*)(?::(?<tag>${tag}))?(?:@(?<digest>${digest}))?$`);

/** The grammar's limit on a name (registry and path, without tag or digest). */
export const NAME_MAX_CHARACTERS = 255;

export interface ImageReference {
  readonly domain?: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The reference's parts, or undefined when the text is not a reference. The first component is the
 * registry when it has a dot or a port, or is localhost (as docker reads it). */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text);
  if (!match?.groups) return undefined;
  let { domain: registry, path } = match.groups as { domain?: string; path: string };
  if (registry !== undefined && !/[.:]/.test(registry) && registry !== "localhost") {
    // "library/debian": both components are path; the grammar requires a path in lower case.
    if (!new RegExp(`^${pathComponent}$`).test(registry)) return undefined;
    path = `${registry}/${path}`;
    registry = undefined;
  }
  if ((registry ? registry.length + 1 : 0) + path.length > NAME_MAX_CHARACTERS) return undefined;
  return { domain: registry, path, tag: match.groups.tag, digest: match.groups.digest };
}

/** A digest the way the OCI image spec pins one: sha256 and 64 lower-case hex digits. */
export const PINNED_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** What is wrong with an image reference, in words, or undefined. A digest, where there is one, is
 * checked as the OCI image spec pins it (sha256, 64 lower-case hex digits). */
export function imageReferenceProblem(text: string): string | undefined {
  const example = "registry.example.com:5000/library/debian:trixie-slim@sha256:<64 hex>";
  const at = text.lastIndexOf("@");
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  if (digest?.startsWith("sha256:") && !PINNED_DIGEST.test(digest)) {
    const hex = digest.slice("sha256:".length);
    if (/[^0-9a-fA-F]/.test(hex)) return "expected the digest as sha256:<64 hex digits>; its hex part holds other characters";
    if (hex.length !== 64) return `expected a sha256 digest of 64 hex digits; this one has ${hex.length}`;
    return "expected the digest's hex in lower case (sha256:<64 lower-case hex>), as registries and the OCI image spec write it";
  }
  if (parseImageReference(text)) return undefined;
  const name = (at >= 0 ? text.slice(0, at) : text).replace(/:[\w.-]*$/, "");
  if (name.length > NAME_MAX_CHARACTERS) return `expected an image name of at most ${NAME_MAX_CHARACTERS} characters (registry and path); this one has ${name.length}`;
  const repository = name.slice(name.indexOf("/") + 1);
  if (/[A-Z]/.test(repository)) return `expected an image reference such as ${example}; the repository path is lower case`;
  return `expected an image reference such as ${example} ([registry[:port]/]path[:tag][@digest])`;
}
