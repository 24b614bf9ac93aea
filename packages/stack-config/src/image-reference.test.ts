// Image references by the OCI distribution grammar: what registries accept is accepted.
import { imageReferenceProblem, parseImageReference } from "./image-reference";

const HEX = "a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f";

test.each([
  ["a Docker Hub name with tag and digest", `debian:trixie-slim@sha256:${HEX}`, { path: "debian", tag: "trixie-slim", digest: `sha256:${HEX}` }],
  ["a registry with a port and a nested path", `registry.example.com:5000/library/debian:trixie-slim@sha256:${HEX}`, { domain: "registry.example.com:5000", path: "library/debian", tag: "trixie-slim" }],
  ["localhost with a port", "localhost:5000/sophia/base:trixie", { domain: "localhost:5000", path: "sophia/base" }],
  ["an IPv6 registry", "[fd00::1]:5000/base", { domain: "[fd00::1]:5000", path: "base" }],
  ["a two-part Hub name (no registry)", "sophia/base:trixie", { path: "sophia/base", tag: "trixie" }],
  ["separators in a path component", "ghcr.io/org/my__image.v2-x:1.0", { domain: "ghcr.io", path: "org/my__image.v2-x" }],
  ["a digest only", `debian@sha256:${HEX}`, { path: "debian", digest: `sha256:${HEX}` }],
])("accepted: %s", (_name, text, parts) => {
  expect(parseImageReference(text)).toMatchObject(parts);
  expect(imageReferenceProblem(text)).toBeUndefined();
});

test.each([
  ["an upper-case digest", `debian@sha256:${HEX.toUpperCase()}`, "expected the digest's hex in lower case"],
  ["a digest that is not hex", `debian@sha256:${HEX.slice(0, 60)}zzzz`, "its hex part holds other characters"],
  ["a short digest", "debian@sha256:abc123", "this one has 6"],
  ["an upper-case repository", "ghcr.io/Org/img:1", "the repository path is lower case"],
  ["a space", "debian:trixie slim", "[registry[:port]/]path[:tag][@digest]"],
  ["an empty tag", "debian:", "[registry[:port]/]path[:tag][@digest]"],
  ["a name over 255 characters", `${"a".repeat(256)}:1`, "at most 255 characters"],
])("refused: %s", (_name, text, expected) => {
  expect(imageReferenceProblem(text)).toContain(expected);
});
