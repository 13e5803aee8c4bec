// Pure decoders of the /proc text formats idlereap reads; no I/O here, so each is tested on fixtures.

const CHAR_0 = 48;
const CHAR_9 = 57;
/** "socket:[" */
const SOCKET_PREFIX = [115, 111, 99, 107, 101, 116, 58, 91];
const CLOSE_BRACKET = 93;

/**
 * The inode in a /proc/PID/fd link target `socket:[12345]` (its first `len` bytes), or undefined
 * for any other target. Runs once per descriptor in the owner walk, on the bytes readlinkat wrote.
 */
export function parseSocketLink(target: Uint8Array, len = target.length): number | undefined {
  if (len < 10 || len > target.length || target[len - 1] !== CLOSE_BRACKET) return undefined;
  for (let i = 0; i < 8; i++) if (target[i] !== SOCKET_PREFIX[i]) return undefined;
  let inode = 0;
  for (let i = 8; i < len - 1; i++) {
    const c = target[i] as number;
    if (c < CHAR_0 || c > CHAR_9) return undefined;
    inode = inode * 10 + (c - CHAR_0);
  }
  return inode;
}

/** A decimal name such as a pid or fd directory entry, or -1 when the name is not all digits. */
export function parseDecimalName(name: string): number {
  if (name.length === 0 || name.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) return -1;
    n = n * 10 + (c - CHAR_0);
  }
  return n;
}

/** /proc/PID/comm: the command name (at most 15 bytes) followed by a newline. */
export function parseComm(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

export interface FileLimit {
  /** RLIMIT_NOFILE soft limit; Infinity when unlimited. */
  readonly soft: number;
  /** RLIMIT_NOFILE hard limit; Infinity when unlimited. */
  readonly hard: number;
}

/** The "Max open files" row of /proc/PID/limits, or undefined when the row is missing. */
export function parseOpenFilesLimit(text: string): FileLimit | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith("Max open files")) continue;
    const [soft, hard] = line.slice("Max open files".length).trim().split(/\s+/);
    const s = parseLimitValue(soft);
    const h = parseLimitValue(hard);
    return s === undefined || h === undefined ? undefined : { soft: s, hard: h };
  }
  return undefined;
}

function parseLimitValue(text: string | undefined): number | undefined {
  if (text === "unlimited") return Number.POSITIVE_INFINITY;
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

export interface FileNr {
  /** File handles allocated system-wide. */
  readonly allocated: number;
  /** Allocated but unused handles (always 0 on kernels since 2.6). */
  readonly free: number;
  /** The system-wide maximum (fs.file-max). */
  readonly max: number;
}

/** /proc/sys/fs/file-nr: three tab-separated integers. */
export function parseFileNr(text: string): FileNr | undefined {
  const nums = parseIntegers(text);
  if (nums === undefined || nums.length !== 3) return undefined;
  const [allocated, free, max] = nums as [number, number, number];
  return { allocated, free, max };
}

/** Whitespace-separated integers, as in most sysctl files; undefined when any field is not one. */
export function parseIntegers(text: string): number[] | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length === 0 || fields[0] === "") return undefined;
  const out: number[] = [];
  for (const f of fields) {
    if (!/^-?\d+$/.test(f)) return undefined;
    out.push(Number(f));
  }
  return out;
}

/**
 * The cgroup v2 path in /proc/PID/cgroup (the `0::/path` line), or undefined on a v1-only system.
 * A path that ends in ` (deleted)` belongs to a removed cgroup; the suffix is dropped.
 */
export function parseProcCgroup(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith("0::")) continue;
    const path = line.slice(3);
    return path.endsWith(" (deleted)") ? path.slice(0, -" (deleted)".length) : path;
  }
  return undefined;
}

export interface TcpSockstat {
  readonly inuse: number;
  readonly orphan: number;
  readonly tw: number;
}

/** Pure: the TCP line of /proc/net/sockstat ("TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1"). */
export function parseSockstat(text: string): TcpSockstat | undefined {
  const line = text.split("\n").find((l) => l.startsWith("TCP:"));
  if (!line) return undefined;
  const f = line.split(/\s+/);
  const get = (k: string) => {
    const i = f.indexOf(k);
    return i < 0 ? Number.NaN : Number(f[i + 1]);
  };
  const out = { inuse: get("inuse"), orphan: get("orphan"), tw: get("tw") };
  return Number.isNaN(out.inuse + out.orphan + out.tw) ? undefined : out;
}
