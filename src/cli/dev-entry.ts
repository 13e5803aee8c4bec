// Runs the CLI from source (tests and development): `tsx src/cli/dev-entry.ts ls`. Exits as soon as
// the command is done, as bin/idlereap.cjs does.
import { main } from "./main.js";

process.exit(await main(process.argv));
