// Runs the installed command line (the ls bundle that bin/idlereap.cjs runs) in this process and
// prints its peak resident memory (KiB) to stderr at exit.
import { createRequire } from "node:module";

const { main } = createRequire(import.meta.url)("../../dist/bundle/ls.cjs");
process.exitCode = await main(process.argv);
process.stderr.write(`maxrss_kib=${process.resourceUsage().maxRSS}\n`);
