// How a monitoring container spec becomes Docker resources on a runtime, shared by Monitoring (the
// platform node) and NodeExporters (every other node of a fleet), so both build, pull and run the
// same things the same way.
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { buildLocalImage, type DockerRuntime } from "@sophia/docker-runtime";
import { ALERT_LOG_CONTEXT, MONITORING_CONTEXT, type MonitoringContainerSpec } from "./containers";

/** Each spec's image: built on the runtime's engine (once per component and image) or pulled by
 * its digest (once per image). Resources are made on first use, so a component only builds what its
 * containers run. */
export function monitoringImages(name: string, args: { readonly runtime: DockerRuntime; readonly stack: string; readonly baseImage: string }, parent: pulumi.Resource): (spec: MonitoringContainerSpec) => pulumi.Output<string> {
  const { runtime } = args;
  const built = {
    monitoring: () => buildLocalImage(`${name}-image`, runtime, { imageName: `sophia/monitoring:${args.stack}`, contextDir: MONITORING_CONTEXT, baseImage: args.baseImage }, parent).ref,
    "alert-log": () => buildLocalImage(`${name}-alert-log-image`, runtime, { imageName: `sophia/alert-log:${args.stack}`, contextDir: ALERT_LOG_CONTEXT, baseImage: args.baseImage }, parent).ref,
  };
  const images = new Map<string, pulumi.Output<string>>();
  return (spec) => {
    const key = "build" in spec.image ? spec.image.build : spec.image.upstream;
    if (!images.has(key)) {
      images.set(
        key,
        "build" in spec.image
          ? built[spec.image.build]()
          : // Pulled by digest; kept on the node when the stack goes, like any base image.
            new docker.RemoteImage(runtime.scopedName(`${name}-${spec.hostname}-image`), { name: spec.image.upstream, keepLocally: true }, { parent, provider: runtime.provider }).imageId,
      );
    }
    return images.get(key)!;
  };
}

/** Where a container runs and what the component adds to its spec: secret variables, a data
 * volume, its networks and, on a node other than the platform's, its published port. */
export interface ContainerPlacement {
  readonly secretEnvs?: readonly pulumi.Input<string>[];
  readonly volumes?: readonly docker.types.input.ContainerVolume[];
  readonly networksAdvanced: readonly docker.types.input.ContainerNetworksAdvanced[];
  readonly ports?: readonly docker.types.input.ContainerPort[];
}

/** The Docker container of a spec: its settings, the image, host mounts as read-only volumes. */
export function monitoringContainerArgs(spec: MonitoringContainerSpec, image: pulumi.Input<string>, placement: ContainerPlacement): docker.ContainerArgs {
  const { role: _role, secretEnvs: _secretEnvs, hostMounts, dataDir: _dataDir, gpu, image: _image, ...container } = spec;
  return {
    ...container,
    ...gpu,
    image,
    envs: [...container.envs, ...(placement.secretEnvs ?? [])],
    volumes: [...hostMounts, ...(placement.volumes ?? [])],
    networksAdvanced: [...placement.networksAdvanced],
    ...(placement.ports ? { ports: [...placement.ports] } : {}),
    // Created only once healthy, so what depends on it finds it answering.
    wait: true,
    waitTimeout: 60,
  };
}
