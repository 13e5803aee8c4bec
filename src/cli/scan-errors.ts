// Tells the user on stderr which namespaces could not be scanned (the rest of the output stands).
import type { NetnsScanResult } from "../scan/scan.js";

export function reportScanErrors(results: readonly NetnsScanResult[]): void {
  for (const r of results) {
    if (r.error) {
      process.stderr.write(`idlereap: netns ${r.netns.name} not scanned: ${r.error.message}\n`);
      process.exitCode = 1;
    }
  }
}
