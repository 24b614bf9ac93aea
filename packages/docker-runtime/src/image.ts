// Images built from a directory of this repository onto a Docker runtime. The engine runs the program,
// and starts the docker plugin, in the directory of `main` (stacks/), so a build context is given
// relative to that working directory, computed from the absolute path of the module that owns it:
// the same program then works from stacks/ (the engine), from the repo root (tools) and from any clone
// location, and the state holds no machine-specific absolute path.
import * as path from "node:path";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { DockerPlatform, DockerRuntime } from "./runtime";

/** The Docker platform of a CPU architecture, as Lambda and `uname -m` name it. */
export function dockerPlatform(architecture: "x86_64" | "arm64"): DockerPlatform {
  return architecture === "arm64" ? "linux/arm64" : "linux/amd64";
}

/** An absolute path as the engine and its plugins resolve it: relative to the working directory. */
export function programRelativePath(absolute: string, cwd: string = process.cwd()): string {
  if (!path.isAbsolute(absolute)) throw new Error(`programRelativePath: expected an absolute path (from path.resolve(__dirname, …)); got ${JSON.stringify(absolute)}`);
  return path.relative(cwd, absolute) || ".";
}

export interface LocalImageArgs {
  /** Repository and tag the image is known by on the engine, e.g. sophia/mcp-ops:local. */
  readonly imageName: string;
  /** Absolute path of the build context; its Dockerfile sits at its top. */
  readonly contextDir: string;
  /** BASE_IMAGE of the Dockerfile: a local image, or a pinned upstream one. */
  readonly baseImage: string;
}

/** What a container refers to: the image id (sha256:…), so that a rebuilt image rolls its containers. */
export interface BuiltImage {
  readonly resource: docker.Image;
  readonly ref: pulumi.Output<string>;
}

/** Builds an image on the runtime's engine, for the runtime's platform, never pushed (no registry). */
export function buildLocalImage(name: string, runtime: DockerRuntime, args: LocalImageArgs, parent: pulumi.Resource): BuiltImage {
  const resource = new docker.Image(
    runtime.scopedName(name),
    {
      imageName: args.imageName,
      build: {
        context: programRelativePath(args.contextDir),
        dockerfile: programRelativePath(path.join(args.contextDir, "Dockerfile")),
        platform: runtime.platform,
        args: { BASE_IMAGE: args.baseImage },
      },
      skipPush: true,
    },
    { parent, provider: runtime.provider },
  );
  // For an image that is not pushed, repoDigest is the local image id.
  return { resource, ref: resource.repoDigest };
}
