// TEST SCAFFOLDING: a fake of the Lambda Cloud API, served over real HTTP on loopback. It implements
// the endpoints this package uses, with Lambda's request and response shapes and its error envelope,
// and it can script the failures a real account shows: capacity that flaps, 429 storms (answered as
// Lambda's Cloudflare limiter does), slow boots, instances that vanish, launches that fail after
// creating the instance, terminates that fail, lists that fail or lag, status polls that break,
// renames from the console and a rotated API key.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WireFilesystem, WireFirewallRule, WireInstance, WireInstanceTypeAvailability, WireSshKey } from "../api/wire";

export interface FakeInstanceType {
  readonly name: string;
  readonly priceCentsPerHour: number;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  /** Regions that list capacity. */
  readonly regions: readonly string[];
}

export interface FakeLambdaCloudOptions {
  readonly apiKey: string;
  readonly instanceTypes: readonly FakeInstanceType[];
  /** Launches closer together than this get 429, as Lambda's launch limit does. */
  readonly launchIntervalMs?: number;
  /** How long a launched instance stays `booting`. */
  readonly bootMs?: number;
  /** Address handed to every instance (point it at a throwaway SSH host to go end to end). */
  readonly instanceIp?: string;
  /** Addresses of throwaway hosts, one per live instance: each instance gets one that no live
   * instance holds (a terminated one gives its host back), and never an address outside the list. */
  readonly instanceIps?: readonly string[];
  /** Prepares the host at an instance's address as Lambda prepares a new instance before it is active:
   * the launch's SSH public keys authorized for the login user, and its filesystems mounted at
   * /lambda/nfs/<name>. Awaited before any answer that could show the instance active. */
  readonly bootHost?: (address: string, launch: { readonly authorizedKeys: readonly string[]; readonly filesystems: readonly string[] }) => Promise<void>;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** When the answer was sent (Date.now()). */
  readonly at: number;
}

const DEFAULT_RULES: WireFirewallRule[] = [{ protocol: "tcp", port_range: [22, 22], source_network: "0.0.0.0/0", description: "default: ssh from anywhere" }];

interface StoredInstance {
  id: string;
  name: string | null;
  region: string;
  type: FakeInstanceType;
  sshKeyNames: string[];
  fileSystemNames: string[];
  launchedAt: number;
  bootMs: number;
  bootOutcome: "active" | "unhealthy";
  terminated: boolean;
  /** When terminate was called; the instance is `terminating` (and holds its key) for terminatingMs. */
  terminatedAt: number;
}

export class FakeLambdaCloud {
  readonly requests: FakeRequest[] = [];
  readonly instances = new Map<string, StoredInstance>();
  readonly sshKeys = new Map<string, WireSshKey>();
  /** Persistent filesystems, by id: regional, in use while a running instance was launched with one. */
  readonly filesystems = new Map<string, { id: string; name: string; region: string; created: string }>();
  firewallRules: WireFirewallRule[] = [...DEFAULT_RULES];
  /** Scripted failures; tests set these between calls. */
  readonly faults = {
    /** The next N requests (any endpoint) get 429. */
    rateLimitNext: 0,
    /** Retry-After sent with scripted 429s, in seconds; undefined sends none. */
    retryAfterSeconds: undefined as number | undefined,
    /** Per `type@region`: the next N launches fail with insufficient-capacity although capacity is listed. */
    capacityFlaps: new Map<string, number>(),
    /** The next N launches create the instance and then answer 500. */
    launchFailsAfterCreate: 0,
    /** The next N launches create the instance and answer 200 with an empty `instance_ids`. */
    launchAnswersWithoutIdsNext: 0,
    /** The next N POST /ssh-keys create the key and then answer 500 (the answer is lost). */
    sshKeyCreateFailsAfterCreate: 0,
    /** POST /filesystems makes the filesystem, then answers 500 (an answer lost on the way). */
    filesystemCreateFailsAfterCreate: 0,
    /** Instances launched from now on end `unhealthy` instead of `active`. */
    bootOutcome: "active" as "active" | "unhealthy",
    /** The next N terminate calls answer 500 and terminate nothing. */
    terminateFailsNext: 0,
    /** Every terminate call answers 500 (an outage that outlasts any retry). */
    terminateBroken: false,
    /** The next N GET /instances answer 500. */
    listFailsNext: 0,
    /** When a launch fails after creating its instance, the next N GET /instances answer 500. */
    listFailsAfterFailedLaunch: 0,
    /** The next N launch requests get Lambda's 429, whatever the interval. */
    launchRateLimitedNext: 0,
    /** GET /instances leaves out instances younger than this, ms (the list is eventually consistent). */
    listLagMs: 0,
    /** What the next status polls (GET /instances/:id) get instead of an answer, one per poll. */
    pollFaults: [] as ("503" | "malformed" | "hang" | "null-data")[],
    /** How long a terminated instance stays listed as `terminating`, still holding its SSH key. */
    terminatingMs: 0,
  };

  private server?: Server;
  private apiKey: string;
  private nextId = 1;
  private lastLaunchAt = -Infinity;
  private readonly types: Map<string, FakeInstanceType & { regions: string[] }>;
  bootMs: number;

  constructor(private readonly options: FakeLambdaCloudOptions) {
    this.types = new Map(options.instanceTypes.map((t) => [t.name, { ...t, regions: [...t.regions] }]));
    this.bootMs = options.bootMs ?? 0;
    this.apiKey = options.apiKey;
  }

  /** Starts listening on 127.0.0.1 and returns the API base URL (…/api/v1). */
  async start(): Promise<string> {
    // A failure of the fake itself (no throwaway host left, a host that cannot be prepared) is a 500
    // that names it, which the caller reports, rather than a crash of the process it runs in.
    this.server = createServer((req, res) =>
      void this.handle(req, res).catch((error: Error) => {
        this.requests.push({ method: req.method ?? "GET", path: req.url ?? "/", status: 500, at: Date.now() });
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "global/unknown", message: error.message } }));
      }),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Sets which regions list capacity for an instance type. */
  setCapacity(type: string, regions: readonly string[]): void {
    const entry = this.types.get(type);
    if (!entry) throw new Error(`fake: unknown instance type ${type}`);
    entry.regions = [...regions];
  }

  /** Removes an instance without the client knowing (terminated from the console, reclaimed). */
  vanish(id: string): void {
    this.instances.delete(id);
  }

  /** Instances that are not terminated: what the account would be billed for. */
  liveInstances(): WireInstance[] {
    return [...this.instances.values()].filter((i) => !i.terminated).map((i) => this.wire(i));
  }

  /** Instances not yet gone: live ones and those still terminating (Lambda lists both). */
  private listedInstances(): StoredInstance[] {
    return [...this.instances.values()].filter((i) => !i.terminated || this.isTerminating(i));
  }

  private isTerminating(i: StoredInstance): boolean {
    return i.terminated && Date.now() - i.terminatedAt < this.faults.terminatingMs;
  }

  /** Renames an instance outside Pulumi (from the console). */
  rename(id: string, name: string): void {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`fake: no instance ${id}`);
    instance.name = name;
  }

  /** Rotates the account's API key: the old one stops working. */
  rotateApiKey(next: string): void {
    this.apiKey = next;
  }

  private wire(i: StoredInstance): WireInstance {
    const booted = Date.now() - i.launchedAt >= i.bootMs;
    const status = i.terminated ? (this.isTerminating(i) ? "terminating" : "terminated") : booted ? i.bootOutcome : "booting";
    return {
      id: i.id,
      name: i.name,
      ip: status === "active" ? this.addressOf(i) : null,
      status,
      ssh_key_names: i.sshKeyNames,
      file_system_names: i.fileSystemNames,
      region: { name: i.region, description: i.region },
      instance_type: { name: i.type.name, description: i.type.name, price_cents_per_hour: i.type.priceCentsPerHour },
      hostname: status === "active" ? `${i.id}.fake.lambda` : null,
    };
  }

  private readonly addresses = new Map<string, string>();
  /** Hosts prepared or being prepared, by instance id. */
  private readonly booted = new Map<string, Promise<void>>();

  /** Every booted instance's host prepared (bootHost), before anything reports it active. */
  private async prepareBootedHosts(): Promise<void> {
    const boot = this.options.bootHost;
    if (!boot) return;
    for (const i of this.instances.values()) {
      if (i.terminated || Date.now() - i.launchedAt < i.bootMs || i.bootOutcome !== "active" || this.booted.has(i.id)) continue;
      const authorizedKeys = [...this.sshKeys.values()].filter((k) => i.sshKeyNames.includes(k.name)).map((k) => k.public_key);
      this.booted.set(i.id, boot(this.addressOf(i), { authorizedKeys, filesystems: i.fileSystemNames }));
    }
    await Promise.all(this.booted.values());
  }

  private addressOf(i: StoredInstance): string {
    if (!this.addresses.has(i.id)) {
      // A host of the pool that no live instance holds: a terminated instance (a stray the launch
      // cleaned up, say) gives its host back, as Lambda gives its machine back.
      const held = new Set([...this.addresses].filter(([id]) => !this.instances.get(id)?.terminated).map(([, ip]) => ip));
      const free = this.options.instanceIps?.find((ip) => !held.has(ip));
      if (this.options.instanceIps && !free) throw new Error(`fake Lambda Cloud: every throwaway host (${this.options.instanceIps.join(", ")}) is held by a live instance`);
      this.addresses.set(i.id, free ?? this.options.instanceIp ?? `192.0.2.${Number(i.id.replace(/\D/g, "")) % 250}`);
    }
    return this.addresses.get(i.id)!;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/api\/v1/, "");
    const method = req.method ?? "GET";
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path, status, at: Date.now() });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string, suggestion?: string) =>
      send(status, { error: { code, message, ...(suggestion ? { suggestion } : {}) } });

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    } catch {
      return fail(400, "global/invalid-parameters", "Request body is not valid JSON");
    }

    if (!this.authorized(req.headers.authorization)) {
      return fail(401, "global/invalid-api-key", "API key was invalid, expired, or deleted.", "Check your API key or create a new one, then try again.");
    }
    if (this.faults.rateLimitNext > 0) {
      this.faults.rateLimitNext--;
      return this.rateLimited(method, path, res);
    }
    await this.prepareBootedHosts();

    const instanceMatch = /^\/instances\/([^/]+)$/.exec(path);
    const keyMatch = /^\/ssh-keys\/([^/]+)$/.exec(path);
    const filesystemMatch = /^\/filesystems\/([^/]+)$/.exec(path);
    if (method === "GET" && path === "/instance-types") return send(200, { data: this.availability() });
    if (method === "GET" && path === "/instances") {
      if (this.faults.listFailsNext > 0) {
        this.faults.listFailsNext--;
        return fail(500, "global/unknown", "An internal error occurred");
      }
      const settled = [...this.instances.values()].filter((i) => Date.now() - i.launchedAt >= this.faults.listLagMs);
      return send(200, { data: settled.filter((i) => !i.terminated || this.isTerminating(i)).map((i) => this.wire(i)) });
    }
    if (instanceMatch) {
      const instance = this.instances.get(decodeURIComponent(instanceMatch[1]!));
      if (!instance) return fail(404, "global/object-does-not-exist", "Specified instance does not exist.");
      const fault = method === "GET" ? this.faults.pollFaults.shift() : undefined;
      if (fault === "503") return fail(503, "global/unknown", "Service temporarily unavailable");
      if (fault === "malformed") {
        this.requests.push({ method, path, status: 200, at: Date.now() });
        res.writeHead(200, { "content-type": "application/json" }).end('{"data": {"id": "');
        return;
      }
      if (fault === "null-data") return send(200, { data: null });
      if (fault === "hang") {
        this.requests.push({ method, path, status: 0, at: Date.now() });
        return; // never answers; the client's request timeout must end it
      }
      if (method === "GET") return send(200, { data: this.wire(instance) });
      if (method === "POST") {
        if (typeof body.name !== "string") return fail(400, "global/invalid-parameters", "name must be a string");
        instance.name = body.name;
        return send(200, { data: this.wire(instance) });
      }
    }
    if (method === "POST" && path === "/instance-operations/launch") return this.launch(body, send, fail, res);
    if (method === "POST" && path === "/instance-operations/terminate") {
      const ids = Array.isArray(body.instance_ids) ? (body.instance_ids as string[]) : [];
      if (this.faults.terminateBroken || this.faults.terminateFailsNext > 0) {
        if (this.faults.terminateFailsNext > 0) this.faults.terminateFailsNext--;
        return fail(500, "global/unknown", "An internal error occurred");
      }
      const found = ids.map((id) => this.instances.get(id));
      if (ids.length === 0 || found.some((i) => !i || i.terminated)) return fail(404, "global/object-does-not-exist", "Specified instance does not exist.");
      for (const i of found) Object.assign(i!, { terminated: true, terminatedAt: Date.now() });
      return send(200, { data: { terminated_instances: found.map((i) => this.wire(i!)) } });
    }
    if (method === "GET" && path === "/ssh-keys") return send(200, { data: [...this.sshKeys.values()] });
    if (method === "POST" && path === "/ssh-keys") {
      const { name, public_key: publicKey } = body as { name?: unknown; public_key?: unknown };
      if (typeof name !== "string" || typeof publicKey !== "string") return fail(400, "global/invalid-parameters", "name and public_key are required");
      if ([...this.sshKeys.values()].some((k) => k.name === name)) return fail(400, "global/invalid-parameters", `An SSH key named ${name} already exists`);
      const key = { id: `key-${this.nextId++}`, name, public_key: publicKey };
      this.sshKeys.set(key.id, key);
      if (this.faults.sshKeyCreateFailsAfterCreate > 0) {
        this.faults.sshKeyCreateFailsAfterCreate--;
        return fail(500, "global/unknown", "An internal error occurred");
      }
      return send(200, { data: key });
    }
    if (method === "DELETE" && keyMatch) {
      const key = this.sshKeys.get(decodeURIComponent(keyMatch[1]!));
      if (!key) return fail(404, "global/object-does-not-exist", "Specified SSH key does not exist.");
      if (this.listedInstances().some((i) => i.sshKeyNames.includes(key.name))) return fail(400, "ssh-keys/key-in-use", `SSH key ${key.name} is in use by a running instance`);
      this.sshKeys.delete(key.id);
      return send(200, {});
    }
    if (method === "GET" && path === "/file-systems") return send(200, { data: [...this.filesystems.values()].map((f) => this.wireFilesystem(f)) });
    if (method === "POST" && path === "/filesystems") {
      const { name, region } = body as { name?: unknown; region?: unknown };
      if (typeof name !== "string" || !/^[A-Za-z][0-9A-Za-z-]{0,59}$/.test(name) || typeof region !== "string") return fail(400, "global/invalid-parameters", "name (a letter, then letters, digits, '-') and region are required");
      if (![...this.types.values()].some((t) => t.regions.includes(region))) return fail(400, "global/invalid-parameters", `Unknown region ${region}`);
      if ([...this.filesystems.values()].some((f) => f.name === name)) return fail(400, "global/invalid-parameters", `A filesystem named ${name} already exists`);
      const filesystem = { id: `fs-${this.nextId++}`, name, region, created: new Date().toISOString() };
      this.filesystems.set(filesystem.id, filesystem);
      if (this.faults.filesystemCreateFailsAfterCreate > 0) {
        this.faults.filesystemCreateFailsAfterCreate--;
        return fail(500, "global/unknown", "An internal error occurred");
      }
      return send(200, { data: this.wireFilesystem(filesystem) });
    }
    if (method === "DELETE" && filesystemMatch) {
      const filesystem = this.filesystems.get(decodeURIComponent(filesystemMatch[1]!));
      if (!filesystem) return fail(404, "global/object-does-not-exist", "Specified filesystem does not exist.");
      if (this.filesystemInUse(filesystem.name)) return fail(400, "global/invalid-parameters", `Filesystem ${filesystem.name} is mounted to a running instance`);
      this.filesystems.delete(filesystem.id);
      return send(200, { data: { deleted_ids: [filesystem.id] } });
    }
    if (path === "/firewall-rules" && method === "GET") return send(200, { data: this.firewallRules });
    if (path === "/firewall-rules" && method === "PUT") {
      const rules = (body as { data?: unknown }).data;
      if (!Array.isArray(rules)) return fail(400, "global/invalid-parameters", "data must be a list of rules");
      this.firewallRules = rules as WireFirewallRule[];
      return send(200, { data: this.firewallRules });
    }
    return fail(404, "global/object-does-not-exist", `No such endpoint: ${method} ${path}`);
  }

  private filesystemInUse(name: string): boolean {
    return this.listedInstances().some((i) => i.fileSystemNames.includes(name));
  }

  private wireFilesystem(f: { id: string; name: string; region: string; created: string }): WireFilesystem {
    return { id: f.id, name: f.name, mount_point: `/lambda/nfs/${f.name}`, created: f.created, is_in_use: this.filesystemInUse(f.name), region: { name: f.region, description: f.region }, bytes_used: 0 };
  }

  /** Lambda's rate limiter is Cloudflare's: HTTP 429 with a plain-text "error code: 1015" body. */
  private rateLimited(method: string, path: string, res: ServerResponse): void {
    this.requests.push({ method, path, status: 429, at: Date.now() });
    const headers: Record<string, string> = this.faults.retryAfterSeconds === undefined ? {} : { "retry-after": String(this.faults.retryAfterSeconds) };
    res.writeHead(429, { "content-type": "text/plain; charset=UTF-8", ...headers }).end("error code: 1015");
  }

  private launch(body: Record<string, unknown>, send: (s: number, b: unknown) => void, fail: (s: number, c: string, m: string, sg?: string) => void, res: ServerResponse): void {
    const now = Date.now();
    const limited = this.faults.launchRateLimitedNext > 0 || now - this.lastLaunchAt < (this.options.launchIntervalMs ?? 0);
    if (limited) {
      if (this.faults.launchRateLimitedNext > 0) this.faults.launchRateLimitedNext--;
      // Lambda counts a refused launch as a launch too.
      this.lastLaunchAt = now;
      return this.rateLimited("POST", "/instance-operations/launch", res);
    }
    const { region_name: region, instance_type_name: typeName, ssh_key_names: keys, name, file_system_names: fileSystems = [] } = body as Record<string, unknown>;
    const type = this.types.get(String(typeName));
    if (!type || typeof region !== "string") return fail(400, "global/invalid-parameters", "Unknown instance type or region");
    if (!Array.isArray(keys) || keys.length !== 1 || ![...this.sshKeys.values()].some((k) => k.name === keys[0])) {
      return fail(400, "global/invalid-parameters", "Exactly one existing SSH key name must be given");
    }
    // A filesystem attaches only in its own region.
    const wanted = Array.isArray(fileSystems) ? (fileSystems as string[]) : [];
    const missing = wanted.filter((n) => ![...this.filesystems.values()].some((f) => f.name === n && f.region === region));
    if (missing.length > 0) return fail(400, "global/invalid-parameters", `Filesystem ${missing.join(", ")} does not exist in region ${String(region)}`);
    this.lastLaunchAt = now;
    const flapKey = `${type.name}@${region}`;
    const flaps = this.faults.capacityFlaps.get(flapKey) ?? 0;
    if (!type.regions.includes(region) || flaps > 0) {
      if (flaps > 0) this.faults.capacityFlaps.set(flapKey, flaps - 1);
      return fail(400, "instance-operations/launch/insufficient-capacity", "Not enough capacity to fulfill launch request.", "Choose an instance type with more availability, or try again later.");
    }
    const instance: StoredInstance = {
      id: `inst-${this.nextId++}`,
      name: typeof name === "string" ? name : null,
      region,
      type,
      sshKeyNames: keys as string[],
      fileSystemNames: wanted,
      launchedAt: now,
      bootMs: this.bootMs,
      bootOutcome: this.faults.bootOutcome,
      terminated: false,
      terminatedAt: 0,
    };
    this.instances.set(instance.id, instance);
    if (this.faults.launchFailsAfterCreate > 0) {
      this.faults.launchFailsAfterCreate--;
      this.faults.listFailsNext += this.faults.listFailsAfterFailedLaunch;
      return fail(500, "global/unknown", "An internal error occurred");
    }
    if (this.faults.launchAnswersWithoutIdsNext > 0) {
      this.faults.launchAnswersWithoutIdsNext--;
      return send(200, { data: { instance_ids: [] } });
    }
    send(200, { data: { instance_ids: [instance.id] } });
  }

  private availability(): Record<string, WireInstanceTypeAvailability> {
    return Object.fromEntries(
      [...this.types.values()].map((t) => [
        t.name,
        {
          instance_type: {
            name: t.name,
            description: t.name,
            gpu_description: t.name,
            price_cents_per_hour: t.priceCentsPerHour,
            specs: { vcpus: t.vcpus, memory_gib: t.memoryGiB, storage_gib: 512, gpus: t.gpus },
          },
          regions_with_capacity_available: t.regions.map((r) => ({ name: r, description: r })),
        },
      ]),
    );
  }

  private authorized(header: string | undefined): boolean {
    if (!header) return false;
    if (header === `Bearer ${this.apiKey}`) return true;
    const basic = /^Basic (.+)$/.exec(header);
    return !!basic && Buffer.from(basic[1]!, "base64").toString("utf8") === `${this.apiKey}:`;
  }
}
