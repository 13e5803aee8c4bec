// Tells the user on stderr which namespaces could not be scanned (the rest of the output stands).
// With --netns all, a namespace that vanished between listing and scanning is a race, not an error.

import { IdlereapError } from "../errors.js";
import type { NetnsScanResult } from "../scan/scan.js";
import { io } from "./io.js";

export interface NetnsError {
  netns: string;
  code: string | undefined;
  message: string;
}

export function reportScanErrors(results: readonly NetnsScanResult[], discovered = false): void {
  const errors: NetnsError[] = [];
  for (const r of results) {
    if (!r.error) continue;
    const code = r.error instanceof IdlereapError ? r.error.code : undefined;
    errors.push({ netns: r.netns.name, code, message: r.error.message });
  }
  reportNetnsErrors(errors, discovered);
}

/** Prints each error (but a vanished namespace of --netns all) and sets exit code 1 if any is left. */
export function reportNetnsErrors(errors: readonly NetnsError[], discovered = false): void {
  for (const e of errors) {
    if (discovered && e.code === "IDLEREAP_ERR_NETNS_NOT_FOUND") continue;
    io.stderr.write(`idlereap: netns ${e.netns} not scanned: ${e.message}\n`);
    process.exitCode = 1;
  }
}
