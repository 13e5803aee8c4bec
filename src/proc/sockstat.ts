// /proc/net/sockstat of the reading thread's network namespace: sockets in use, orphans, TIME_WAIT.
import { readFileSync } from "node:fs";
import { parseSockstat, type TcpSockstat } from "./parse.js";

export type { TcpSockstat } from "./parse.js";

/** The TCP counters, or undefined when unreadable. */
export function readTcpSockstat(procRoot = "/proc"): TcpSockstat | undefined {
  try {
    return parseSockstat(readFileSync(`${procRoot}/thread-self/net/sockstat`, "utf8"));
  } catch {
    return undefined;
  }
}
