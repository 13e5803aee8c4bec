// How many established TCP sockets have keepalive armed: the keepalive sysctls do nothing for the
// others. Read straight from the kernel's socket table (the timer of an idle keepalive socket).
import type { NetnsRef } from "../kernel/netns.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";

export interface KeepaliveCoverage {
  readonly established: number;
  readonly withKeepalive: number;
}

const ESTABLISHED = compileFilter({ states: "established" });

/** Keepalive coverage in the namespace `ns`; undefined if the scan fails. */
export function keepaliveCoverage(ns: NetnsRef): KeepaliveCoverage | undefined {
  let established = 0;
  let withKeepalive = 0;
  try {
    const [result] = scanNamespaces([ns], { filter: ESTABLISHED, info: false }, (v) => {
      established++;
      if (v.keepaliveArmed) withKeepalive++;
    });
    if (result?.error) return undefined;
  } catch {
    return undefined;
  }
  return { established, withKeepalive };
}
