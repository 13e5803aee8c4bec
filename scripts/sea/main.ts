// The single executable's program: the whole command line in one file (no per-command bundles to
// pick from, as bin/idlereap.cjs does, since everything is already in memory).
import { exitWhenWritten, main } from "../../src/cli/main.js";

// A reader that goes away (`idlereap ls --json | head`) ends the output, as it does for any Unix tool.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

// Exits as soon as the command's output is written, as bin/idlereap.cjs does.
main(process.argv).then(exitWhenWritten);
