// The shape of a probe journal, checked before anything in it is acted on: a file under the run
// directory can be left half-written or be put there by someone else. Checked by hand, not with
// zod: the record is fixed and small, and zod would cost every probe ~65 ms of start-up.
import type { KeepaliveOptions } from "../kernel/keepalive-options.js";

export interface JournalEntry {
  readonly netns: string;
  readonly pid: number;
  readonly fd: number;
  readonly inode: number;
  readonly before: KeepaliveOptions;
}

const MAX_ENTRIES = 1_000_000;
const OPTION_COUNTS = ["idleS", "intervalS", "count", "userTimeoutMs"] as const;

/** The entries of a journal's text; throws an Error that names the first field that is wrong. */
export function parseJournal(text: string): JournalEntry[] {
  const doc: unknown = JSON.parse(text);
  if (!isRecord(doc) || doc.version !== 1) throw new Error("version: expected 1");
  count(doc.pid, "pid");
  if (!Array.isArray(doc.entries) || doc.entries.length > MAX_ENTRIES) {
    throw new Error(`entries: expected a list of at most ${MAX_ENTRIES}`);
  }
  return doc.entries.map((e: unknown, i: number) => entry(e, `entries[${i}]`));
}

function entry(e: unknown, at: string): JournalEntry {
  if (!isRecord(e)) throw new Error(`${at}: expected an object`);
  if (typeof e.netns !== "string" || e.netns.length > 4096) throw new Error(`${at}.netns: expected a name`);
  const b = e.before;
  if (!isRecord(b) || typeof b.enabled !== "boolean")
    throw new Error(`${at}.before.enabled: expected true or false`);
  for (const k of OPTION_COUNTS) count(b[k], `${at}.before.${k}`);
  return {
    netns: e.netns,
    pid: count(e.pid, `${at}.pid`),
    fd: count(e.fd, `${at}.fd`),
    inode: count(e.inode, `${at}.inode`),
    before: {
      enabled: b.enabled,
      idleS: b.idleS as number,
      intervalS: b.intervalS as number,
      count: b.count as number,
      userTimeoutMs: b.userTimeoutMs as number,
    },
  };
}

function count(v: unknown, at: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
    throw new Error(`${at}: expected a whole number from 0 to 2^31-1`);
  }
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
