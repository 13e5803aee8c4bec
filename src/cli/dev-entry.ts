// Runs the CLI from source (tests and development): `tsx src/cli/dev-entry.ts ls`.
import { main } from "./main.js";

process.exitCode = await main(process.argv);
