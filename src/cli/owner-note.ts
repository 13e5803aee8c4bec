// Without CAP_SYS_PTRACE, /proc/PID/fd of other users' processes cannot be read, so their sockets
// show no owner (and owner filters match nothing): say so once, on stderr, rather than let "-" read
// as "no process holds it".
import { PERMISSION_HINT } from "../errors.js";
import { CAP, hasCapability } from "../proc/capabilities.js";
import { io } from "./io.js";

export function explainMissingOwners(): void {
  if (hasCapability(CAP.SYS_PTRACE)) return;
  io.stderr.write(
    `idlereap: owners show "-" for sockets of processes this user may not inspect (/proc/PID/fd needs CAP_SYS_PTRACE): ${PERMISSION_HINT}\n`,
  );
}
