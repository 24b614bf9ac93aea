// Stateful volumes. By default a named volume on the node's own disk, which a replaced node loses.
// Where the stack has a data filesystem (a Lambda persistent filesystem, mounted on the node at
// /lambda/nfs/<name>), the volume is a directory on it instead, /lambda/nfs/<name>/<stack>/<volume>:
// Docker's local driver binds that directory, which must exist: the node's bootstrap makes it, owned
// by the container's user (dataDirectories), before any container starts.
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { DockerRuntime } from "./runtime";

/** Where Lambda mounts an instance's persistent filesystems. */
export const DATA_FILESYSTEM_ROOT = "/lambda/nfs";
/** On a volume on a data filesystem that holds snapshots of another volume, which stays on the node's
 * disk (Prometheus's TSDB): that volume's name. On the snapshots' volume, not the snapshotted one, so
 * that adding snapshots replaces nothing. The review reads it (packages/review). */
export const SNAPSHOTS_OF_LABEL = "sophia.snapshots-of";

export interface DataFilesystem {
  /** The filesystem's name: it is mounted at /lambda/nfs/<name>. */
  readonly name: string;
  /** The stack whose directories these are (several stacks may share one filesystem). */
  readonly stack: string;
}

/** The directory a volume's data lives in on the filesystem. */
export function dataDirectory(filesystem: DataFilesystem, volumeName: string): string {
  return `${DATA_FILESYSTEM_ROOT}/${filesystem.name}/${filesystem.stack}/${volumeName}`;
}

/** A stateful volume a component creates, and the user ("uid:gid") its container writes it as. */
export interface StatefulVolume {
  readonly volumeName: string;
  readonly owner: string;
}

/** The directories a node's bootstrap makes on the filesystem, owned by the volumes' users. */
export function dataDirectories(filesystem: DataFilesystem, volumes: readonly StatefulVolume[]): { path: string; owner: string }[] {
  return volumes.map((v) => ({ path: dataDirectory(filesystem, v.volumeName), owner: v.owner }));
}

/** A volume's arguments: on the node's disk, or bound to its directory on the filesystem. */
export function dataVolumeArgs(volumeName: string, labels: Readonly<Record<string, string>>, filesystem?: DataFilesystem): docker.VolumeArgs {
  const labelList = Object.entries(labels).map(([label, value]) => ({ label, value }));
  if (!filesystem) return { name: volumeName, labels: labelList };
  return { name: volumeName, labels: labelList, driver: "local", driverOpts: { type: "none", o: "bind", device: dataDirectory(filesystem, volumeName) } };
}

export interface DataVolumeArgs {
  readonly runtime: DockerRuntime;
  readonly volumeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly filesystem?: DataFilesystem;
  readonly protect?: boolean;
  readonly parent: pulumi.Resource;
}

/** A stateful volume on the runtime's engine (see the top of this file). */
export function dataVolume(resourceName: string, args: DataVolumeArgs): docker.Volume {
  return new docker.Volume(resourceName, dataVolumeArgs(args.volumeName, args.labels, args.filesystem), { parent: args.parent, provider: args.runtime.provider, protect: args.protect });
}
