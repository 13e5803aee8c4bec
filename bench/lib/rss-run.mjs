// Runs the built CLI in this process and prints its peak resident memory (KiB) to stderr at exit.
import { main } from "../../dist/cli/main.js";

process.exitCode = await main(process.argv);
process.stderr.write(`maxrss_kib=${process.resourceUsage().maxRSS}\n`);
