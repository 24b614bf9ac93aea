// Request and response shapes of the Lambda Cloud API (https://docs-api.lambda.ai/api/cloud), only
// the parts this package uses. The fake in ../testing serves exactly these shapes.

export interface WireRegion {
  readonly name: string;
  readonly description: string;
}

export interface WireInstanceTypeSpecs {
  readonly vcpus: number;
  readonly memory_gib: number;
  readonly storage_gib: number;
  readonly gpus: number;
}

/** GET /instance-types → { data: Record<name, WireInstanceTypeAvailability> } */
export interface WireInstanceTypeAvailability {
  readonly instance_type: {
    readonly name: string;
    readonly description: string;
    readonly gpu_description: string;
    readonly price_cents_per_hour: number;
    readonly specs: WireInstanceTypeSpecs;
  };
  readonly regions_with_capacity_available: readonly WireRegion[];
}

export type WireInstanceStatus = "booting" | "active" | "unhealthy" | "terminating" | "terminated";

/** GET /instances/{id} → { data: WireInstance }; GET /instances → { data: WireInstance[] } */
export interface WireInstance {
  readonly id: string;
  readonly name: string | null;
  readonly ip: string | null;
  readonly private_ip?: string | null;
  readonly status: WireInstanceStatus;
  readonly ssh_key_names: readonly string[];
  readonly file_system_names: readonly string[];
  readonly region: WireRegion;
  readonly instance_type: { readonly name: string; readonly description: string; readonly price_cents_per_hour: number };
  readonly hostname: string | null;
}

/** POST /instance-operations/launch → { data: { instance_ids: string[] } } */
export interface WireLaunchRequest {
  readonly region_name: string;
  readonly instance_type_name: string;
  readonly ssh_key_names: readonly string[];
  readonly file_system_names?: readonly string[];
  readonly name?: string;
}

/** GET /file-systems → { data: WireFilesystem[] }; POST /filesystems {name, region} → { data: WireFilesystem };
 * DELETE /filesystems/{id}. A filesystem is regional and mounts at `mount_point` (/lambda/nfs/<name>)
 * on the instances launched with it (`file_system_names`). */
export interface WireFilesystem {
  readonly id: string;
  readonly name: string;
  readonly mount_point: string;
  readonly created: string;
  readonly is_in_use: boolean;
  readonly region: WireRegion;
  readonly bytes_used?: number;
}

/** GET /ssh-keys → { data: WireSshKey[] }; POST /ssh-keys → { data: WireSshKey } */
export interface WireSshKey {
  readonly id: string;
  readonly name: string;
  readonly public_key: string;
}

/** GET and PUT /firewall-rules → { data: WireFirewallRule[] }. PUT replaces the whole inbound list. */
export interface WireFirewallRule {
  readonly protocol: "tcp" | "udp" | "icmp" | "all";
  /** Inclusive [from, to]; absent for icmp. */
  readonly port_range?: readonly [number, number];
  readonly source_network: string;
  readonly description: string;
}

/** The error envelope every failing call returns. */
export interface WireErrorEnvelope {
  readonly error: { readonly code: string; readonly message: string; readonly suggestion?: string | null };
  readonly field_errors?: Readonly<Record<string, { readonly code: string; readonly message: string }>>;
}
