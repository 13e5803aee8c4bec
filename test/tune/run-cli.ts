// Runs the idlereap CLI in-process (the shared helper), for the tune and firewall tests.
import { runCli } from "../helpers/cli.js";

export const run = runCli;
