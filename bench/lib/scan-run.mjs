// The in-process scan with no output: every TCP socket with tcp_info, filtered and counted.
// argv: rounds. Prints {"sockets": N, "ms": median per scan}.
import { resolveNetns } from "../../dist/kernel/netns.js";
import { scanNamespaces } from "../../dist/scan/scan.js";
import { compileFilter } from "../../dist/select/socket-filter.js";

const rounds = Number(process.argv[2] ?? 5);
const ns = resolveNetns("current");
const filter = compileFilter({ states: "all" });
const times = [];
let sockets = 0;
let idle = 0;
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  sockets = 0;
  idle = 0;
  scanNamespaces([ns], { filter }, (v) => {
    sockets++;
    if ((v.idleMs ?? 0) > 1000) idle++;
  });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ sockets, idle, ms: times[Math.floor(rounds / 2)] })}\n`);
