// The `idlereap` command line: one file per command under ./commands, registered here.

import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError, IdlereapError, InputError, PERMISSION_HINT } from "../errors.js";
import { loadCommands } from "./commands/index.js";
import { withHelp } from "./help.js";
import { type CliIo, io, withIo } from "./io.js";

export { exitWhenWritten } from "./io.js";

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("idlereap")
    .description("See, close, tune and guard idle and dead TCP connections on Linux.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  withHelp(program, "README", [
    ["idlereap status", "what is wrong with the host's connections, and the command that fixes it"],
    ["idlereap top", "the live view"],
    ["idlereap ls --state close-wait --sort idle", "the socket table"],
  ]);
  for (const make of await loadCommands(argv)) {
    const cmd = make();
    // `complete` serves the completion scripts; people never type it.
    program.addCommand(cmd, { hidden: cmd.name() === "complete" });
  }
  applyToAll(program, (cmd) => cmd.exitOverride().showHelpAfterError("(run with --help for usage)"));
  return program;
}

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function applyToAll(cmd: Command, fn: (cmd: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) applyToAll(sub, fn);
}

/** Runs the CLI and returns the process exit code: 0 ok, 1 findings or failures, 2 bad usage. */
export async function main(argv: string[], streams?: CliIo): Promise<number> {
  return withIo(streams, async () => {
    try {
      const program = await buildProgram(argv);
      if (streams) {
        applyToAll(program, (cmd) =>
          cmd.configureOutput({
            writeOut: (s) => streams.stdout.write(s),
            writeErr: (s) => streams.stderr.write(s),
          }),
        );
      }
      await program.parseAsync(argv);
      return typeof process.exitCode === "number" ? process.exitCode : 0;
    } catch (err) {
      return reportError(err);
    }
  });
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof IdlereapError) {
    const hint =
      err.code === "IDLEREAP_ERR_PERMISSION" && !err.message.includes(PERMISSION_HINT)
        ? ` (${PERMISSION_HINT})`
        : "";
    io.stderr.write(`idlereap: ${err.message}${hint} [${err.code}]\n`);
    // Bad input (a flag, a value, a config) is the user's to fix: exit 2, as for a usage error.
    return err instanceof InputError || err instanceof ConfigError ? 2 : 1;
  }
  if (isPermissionDenied(err)) {
    // A user without root reads what is missing, not a stack trace.
    io.stderr.write(`idlereap: ${err.message} (${PERMISSION_HINT}) [IDLEREAP_ERR_PERMISSION]\n`);
    return 1;
  }
  io.stderr.write(`idlereap: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

function isPermissionDenied(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return err instanceof Error && (code === "EACCES" || code === "EPERM");
}
