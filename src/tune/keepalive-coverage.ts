// How many established TCP sockets have keepalive armed: the keepalive sysctls do nothing for the
// others. Reads `ss` for now; a sock_diag scanner can replace this one function later.
import { execFileSync } from "node:child_process";
import { nsCommand } from "./netns.js";

export interface KeepaliveCoverage {
  readonly established: number;
  readonly withKeepalive: number;
}

/** Counts established sockets and those whose timer is keepalive, from `ss -tanoH` output. */
export function parseSsKeepalive(text: string): KeepaliveCoverage {
  let established = 0;
  let withKeepalive = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    established++;
    if (line.includes("timer:(keepalive,")) withKeepalive++;
  }
  return { established, withKeepalive };
}

/** Keepalive coverage in the namespace at `netnsPath` (undefined: this one); undefined if ss fails. */
export function keepaliveCoverage(netnsPath: string | undefined): KeepaliveCoverage | undefined {
  const [cmd, args] = nsCommand(netnsPath, "ss", ["-tanoH", "state", "established"]);
  try {
    const out = execFileSync(cmd, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 28,
    });
    return parseSsKeepalive(out);
  } catch {
    return undefined;
  }
}
