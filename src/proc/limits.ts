// Descriptor pressure: a process's open descriptors against its RLIMIT_NOFILE soft limit, and the
// system's allocated file handles against fs.file-max.
import { readFileSync } from "node:fs";
import { countOpenFds } from "./fd-count.js";

export { countOpenFds } from "./fd-count.js";

import { type FileLimit, type FileNr, parseFileNr, parseOpenFilesLimit } from "./parse.js";

export interface ProcessFdPressure {
  readonly pid: number;
  /** Descriptors in use. */
  readonly open: number;
  /** RLIMIT_NOFILE soft limit; Infinity when unlimited. */
  readonly softLimit: number;
  readonly hardLimit: number;
  /** open / softLimit, 0..1 (0 when unlimited). */
  readonly ratio: number;
}

export interface SystemFilePressure extends FileNr {
  /** allocated / max, 0..1. */
  readonly ratio: number;
}

/** The RLIMIT_NOFILE of a process from /proc/PID/limits, or undefined when gone or unreadable. */
export function readOpenFilesLimit(pid: number | "self", procRoot = "/proc"): FileLimit | undefined {
  try {
    return parseOpenFilesLimit(readFileSync(`${procRoot}/${pid}/limits`, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * A process's descriptor pressure. Pass `open` when it is already known (the owner walk counts it)
 * to save a system call.
 */
export function processFdPressure(
  pid: number,
  procRoot = "/proc",
  open?: number,
): ProcessFdPressure | undefined {
  const limit = readOpenFilesLimit(pid, procRoot);
  const used = open ?? countOpenFds(pid, procRoot);
  if (limit === undefined || used === undefined) return undefined;
  return { pid, open: used, softLimit: limit.soft, hardLimit: limit.hard, ratio: fdRatio(used, limit.soft) };
}

/** Pure: used / limit, with 0 for an unlimited or zero limit. */
export function fdRatio(used: number, limit: number): number {
  return Number.isFinite(limit) && limit > 0 ? used / limit : 0;
}

/** /proc/sys/fs/file-nr against its max, or undefined when unreadable. */
export function systemFilePressure(procRoot = "/proc"): SystemFilePressure | undefined {
  let nr: FileNr | undefined;
  try {
    nr = parseFileNr(readFileSync(`${procRoot}/sys/fs/file-nr`, "utf8"));
  } catch {
    return undefined;
  }
  return nr === undefined ? undefined : { ...nr, ratio: fdRatio(nr.allocated, nr.max) };
}
