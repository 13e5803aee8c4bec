// Creates idlereap's directories with an exact mode: mkdir's mode is cut by the umask (under umask
// 000 a plain recursive mkdir makes them 0777), so each directory created here is chmod-ed after.
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** Creates `dir` and its missing parents with `mode`; existing directories are left as they are. */
export function makeDir(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = dir; !exists(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, mode);
    } catch (err) {
      // Another process made it between the check and now: leave its mode alone.
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    chmodSync(d, mode);
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
