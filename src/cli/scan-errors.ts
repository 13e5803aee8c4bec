// Tells the user on stderr which namespaces could not be scanned (the rest of the output stands).
// With --netns all, a namespace that vanished between listing and scanning is a race, not an error.

import { IdlereapError } from "../errors.js";
import type { NetnsScanResult } from "../scan/scan.js";
import { io } from "./io.js";

export function reportScanErrors(results: readonly NetnsScanResult[], discovered = false): void {
  for (const r of results) {
    if (!r.error) continue;
    if (discovered && r.error instanceof IdlereapError && r.error.code === "IDLEREAP_ERR_NETNS_NOT_FOUND")
      continue;
    io.stderr.write(`idlereap: netns ${r.netns.name} not scanned: ${r.error.message}\n`);
    process.exitCode = 1;
  }
}
