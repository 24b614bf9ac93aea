// The node bootstrap as the program registers it: the script (bootstrap/bootstrap.sh) goes over
// stdin to `sudo bash -s`, its inputs as environment on the command line. Pure, so tests run the
// exact same strings over SSH that `pulumi up` would.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostFirewallEnvironment, type InboundPolicy } from "./firewall";

/** Pinned CUDA base image for the bootstrap's "a container sees the GPUs" check (pulled on the node). */
export const DEFAULT_GPU_CHECK_IMAGE = "nvidia/cuda:12.4.1-base-ubuntu22.04";

export const BOOTSTRAP_SCRIPT_PATH = join(__dirname, "..", "bootstrap", "bootstrap.sh");

export interface BootstrapParams extends InboundPolicy {
  readonly logMaxSizeMiB: number;
  readonly logMaxFiles: number;
  /** GPUs of the instance type; 0 skips the GPU checks. */
  readonly expectGpus: number;
  /** A pinned CUDA base image for the "a container sees the GPUs" check. */
  readonly gpuCheckImage: string;
  /** Directories of stateful volumes on a persistent filesystem (/lambda/nfs/<fs>/…), each with
   * its owner ("uid:gid"): made and owned before any container binds them. */
  readonly dataDirectories?: readonly { readonly path: string; readonly owner: string }[];
}

export interface BootstrapCommand {
  /** The command line run over SSH; the script arrives on stdin. */
  readonly create: string;
  readonly stdin: string;
  /** Changes whenever the script or its inputs change, so editing either re-runs the bootstrap. */
  readonly trigger: string;
}

/** Single-quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderBootstrap(params: BootstrapParams, script: string = readFileSync(BOOTSTRAP_SCRIPT_PATH, "utf8")): BootstrapCommand {
  const environment: Record<string, string> = {
    ...hostFirewallEnvironment(params),
    SOPHIA_LOG_MAX_SIZE_MIB: String(params.logMaxSizeMiB),
    SOPHIA_LOG_MAX_FILES: String(params.logMaxFiles),
    SOPHIA_EXPECT_GPUS: String(params.expectGpus),
    SOPHIA_GPU_CHECK_IMAGE: params.gpuCheckImage,
    ...(params.dataDirectories?.length ? { SOPHIA_DATA_DIRS: params.dataDirectories.map((d) => `${d.path}=${d.owner}`).join(" ") } : {}),
  };
  const assignments = Object.entries(environment).map(([name, value]) => `${name}=${shellQuote(value)}`);
  // SSH_CLIENT is expanded by the remote login shell (sudo would drop it), so the script can
  // refuse a firewall that locks out the very session applying it.
  const create = `sudo env SOPHIA_SSH_CLIENT="\${SSH_CLIENT:-}" ${assignments.join(" ")} bash -s`;
  const trigger = createHash("sha256").update(script).update("\0").update(create).digest("hex");
  return { create, stdin: script, trigger };
}

/** The summary line the script ends with, parsed. */
export function parseBootstrapSummary(output: string): { changed: number; unchanged: number; skipped: number } | undefined {
  const match = /^bootstrap summary: changed=(\d+) unchanged=(\d+) skipped=(\d+)/m.exec(output);
  return match ? { changed: Number(match[1]), unchanged: Number(match[2]), skipped: Number(match[3]) } : undefined;
}
