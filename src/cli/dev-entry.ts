// Runs the CLI from source (tests and development): `tsx src/cli/dev-entry.ts ls`. Exits as soon as
// the command is done, as bin/idlereap.cjs does.
import { exitWhenWritten, main } from "./main.js";

exitWhenWritten(await main(process.argv));
