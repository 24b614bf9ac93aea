// When a deploy of `local` may leave out `pulumi up`. An up without --refresh reads the program, its
// config, the files its images are built from, the engine and the state, and nothing else: the world
// is read only by a refresh. So when all of those are as the last successful up left them, another up
// would compute the same "no changes", and the deploy says so instead of running it. The checklist
// still runs in full, and its own rows ask the engine (sophia-ops's real preview and drift).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** A file as last hashed: the content hash is reused while size, mtime and inode are unchanged. */
interface HashedFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly sha: string;
}

export interface TreeDigest {
  readonly digest: string;
  readonly files: number;
  /** How many files were read (new or changed since the cache's record of them). */
  readonly hashed: number;
}

/**
 * One hash of every file under `roots` (paths relative to `base`), by content: a file rewritten with
 * the same bytes hashes the same. Content hashes are kept in `cacheFile` by size, mtime and inode, so
 * an unchanged tree of hundreds of MiB costs one stat per file. Directories named in `skip` (by their
 * path relative to `base`) are left out; a symbolic link counts by its target's path.
 */
export function treeDigest(base: string, roots: readonly string[], cacheFile: string, skip: (relative: string) => boolean = () => false): TreeDigest {
  const cache = readCache(cacheFile);
  const next: Record<string, HashedFile> = {};
  const lines: string[] = [];
  let hashed = 0;
  const visit = (relative: string) => {
    const absolute = path.join(base, relative);
    const stat = fs.lstatSync(absolute, { throwIfNoEntry: false });
    if (!stat || skip(relative)) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(absolute).sort()) visit(path.join(relative, entry));
      return;
    }
    if (stat.isSymbolicLink()) {
      lines.push(`${relative}\0link\0${fs.readlinkSync(absolute)}`);
      return;
    }
    if (!stat.isFile()) return;
    const known = cache[relative];
    let sha = known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino ? known.sha : undefined;
    if (sha === undefined) {
      sha = createHash("sha256").update(fs.readFileSync(absolute)).digest("hex");
      hashed++;
    }
    next[relative] = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha };
    lines.push(`${relative}\0${stat.mode & 0o777}\0${sha}`);
  };
  for (const root of roots) visit(root);
  if (hashed > 0 || Object.keys(cache).length !== lines.length) {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify(next));
  }
  return { digest: createHash("sha256").update(lines.join("\n")).digest("hex"), files: lines.length, hashed };
}

function readCache(file: string): Record<string, HashedFile> {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, HashedFile>;
  } catch {
    return {};
  }
}

/** What the last successful up of a stack read, and the state it left. */
export interface UpRecord {
  readonly inputs: string;
  readonly state: string;
  /** When that up ended (ISO time). */
  readonly at: string;
}

export function readUpRecord(file: string): UpRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<UpRecord>;
    return typeof record.inputs === "string" && typeof record.state === "string" && typeof record.at === "string" ? (record as UpRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function writeUpRecord(file: string, record: UpRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Why an up is needed, or undefined where the last up's inputs and resulting state are the present ones. */
export function upNeeded(record: UpRecord | undefined, inputs: string, state: string | undefined): string | undefined {
  if (state === undefined) return "no state to compare (a new stack)";
  if (!record) return "no record of an earlier up";
  if (record.state !== state) return "the state changed since the last up of this deploy tool";
  if (record.inputs !== inputs) return "the program, its config, an image's files or the engine changed";
  return undefined;
}
