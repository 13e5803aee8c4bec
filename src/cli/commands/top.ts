// `idlereap top`: the live, full-screen view of TCP connections (htop for sockets), over the same
// scan and filters as `ls`. The terminal is given back on every way out: q, Ctrl-C, SIGTERM, a crash.
import { Command } from "commander";
import { IdlereapError, UsageError } from "../../errors.js";
import { selectNamespaces } from "../../scan/namespaces.js";
import { compileFilter } from "../../select/socket-filter.js";
import {
  addFilterOptions,
  collect,
  type FilterFlags,
  filterSpecFromFlags,
  parseChoice,
  parseDurationFlag,
  parsePortFlag,
} from "../flags.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";
import { colorEnabled, parseColorMode } from "../output/color.js";
import type { TopConfig } from "../top/top-app.js";
import { GROUPS, SORTS } from "../top/top-model.js";
import { TopSource } from "../top/top-source.js";

interface TopFlags extends FilterFlags {
  interval?: string;
  sort?: string;
  group?: string;
  filter?: string;
  color?: string;
  grace?: string;
  protectPort?: string[];
  protectComm?: string[];
}

export function topCommand(): Command {
  const cmd = new Command("top")
    .description("Live view of TCP connections: sort, filter, group, and close them (needs a terminal)")
    .option("--interval <duration>", "refresh every", "2s")
    .option("--sort <key>", `first sort order: ${SORTS.join(", ")}`, "idle")
    .option("--group <by>", `first grouping: ${GROUPS.join(", ")}`, "none")
    .option("--filter <text>", "first text filter (words that must all appear in a row)")
    .option("--grace <duration>", "graceful closes: abort what is still held this long after FIN", "5s")
    .option("--protect-port <ports>", "ports never closed (default 22)", collect)
    .option("--protect-comm <names>", "owner commands never closed (glob with *)", collect)
    .option("--color <when>", "colours: auto (default), always, never");
  addFilterOptions(cmd).action((flags: TopFlags) => runTop(flags));
  return withHelp(
    cmd,
    "top",
    [
      ["idlereap top", "the host's connections, idlest first"],
      ["idlereap top --group process --state close-wait", "CLOSE_WAIT leaks by process"],
      ["idlereap top --netns all --interval 5s", "every namespace, refreshed every 5 s"],
    ],
    () =>
      "Keys: q quit · ↑↓ move · s/S sort · g/G group · / filter · space mark · c close (FIN) ·\nx abort (RST) · enter detail · esc back. Closing shows a dry run and asks y/n first.\n",
  );
}

async function runTop(flags: TopFlags): Promise<void> {
  const spec = filterSpecFromFlags(flags);
  const intervalMs = parseDurationFlag(flags.interval ?? "2s", "--interval");
  if (intervalMs < 100) throw new UsageError(`--interval: "${flags.interval}" is below 100ms`, "--interval");
  const graceMs = parseDurationFlag(flags.grace ?? "5s", "--grace");
  const sort = parseChoice(flags.sort ?? "idle", SORTS, "--sort", `is not one of ${SORTS.join(", ")}`);
  const group = parseChoice(flags.group ?? "none", GROUPS, "--group", `is not one of ${GROUPS.join(", ")}`);
  const color = parseColorMode(flags.color);
  const stdout = io.stdout as NodeJS.WriteStream;
  if (stdout.isTTY !== true || process.stdin.isTTY !== true) {
    throw new UsageError(
      "top needs a terminal, and stdin or stdout is not one; for a pipe or a file use `idlereap ls` (the table, --json or --ndjson) or `idlereap status` (the report)",
      "top",
    );
  }
  const namespaces = selectNamespaces(flags.netns);
  const protect = {
    ...(flags.protectPort ? { ports: flags.protectPort.map((p) => parsePortFlag(p, "--protect-port")) } : {}),
    ...(flags.protectComm ? { processes: flags.protectComm } : {}),
  };
  const config: TopConfig = {
    source: new TopSource(namespaces, compileFilter(spec), { owners: flags.process !== false }),
    intervalMs,
    sort,
    group,
    filter: flags.filter ?? "",
    color: colorEnabled(color, stdout),
    netns: namespaces.map((n) => n.name).join(","),
    close: { namespaces, protect, graceMs },
  };
  await show(config, stdout);
}

/** Runs the ink app on the alternate screen and leaves the terminal as it found it, however it ends. */
async function show(config: TopConfig, stdout: NodeJS.WriteStream): Promise<void> {
  // ink renders only its last frame when it believes it runs in CI (a CI or CONTINUOUS_INTEGRATION
  // variable): top has a terminal here (checked above), so it must draw; is-in-ci reads the variables
  // once, when ink loads.
  for (const key of ["CI", "CONTINUOUS_INTEGRATION"]) if (key in process.env) process.env[key] = "false";
  // React picks its development build (checks and warnings on every render, several times slower)
  // unless NODE_ENV says production, which it reads once, when it loads.
  process.env.NODE_ENV ??= "production";
  const [ink, react, escapes, { makeApp }] = await Promise.all([
    import("ink"),
    import("react"),
    import("ansi-escapes"),
    import("../top/top-app.js"),
  ]).catch((err: unknown) => {
    // The single executable carries no ink (an ES module with top-level await cannot be bundled).
    throw new IdlereapError(
      "IDLEREAP_ERR_CLI_USAGE",
      `top needs the ink terminal library, which this build does not carry (${(err as Error).message}); install idlereap with npm to use top`,
    );
  });
  // React is CommonJS: its namespace is `default` when imported from an ES module, itself from CommonJS.
  const React = ((react as unknown as { default?: typeof react }).default ?? react) as typeof react;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(escapes.exitAlternativeScreen + escapes.cursorShow);
  };
  stdout.write(escapes.enterAlternativeScreen);
  const instance = ink.render(React.createElement(makeApp(ink, React, config)), {
    stdout,
    exitOnCtrlC: true,
    patchConsole: false,
  });
  const unmount = () => instance.unmount();
  const crash = (err: unknown) => {
    instance.unmount();
    restore();
    io.stderr.write(`idlereap top: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  // Ctrl-C is a key once ink has the terminal in raw mode; before that (or from `kill -INT`) a signal.
  process.once("SIGINT", unmount);
  process.once("SIGTERM", unmount);
  process.once("SIGHUP", unmount);
  process.once("uncaughtException", crash);
  process.once("exit", restore);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off("SIGINT", unmount);
    process.off("SIGTERM", unmount);
    process.off("SIGHUP", unmount);
    process.off("uncaughtException", crash);
    process.off("exit", restore);
    instance.cleanup();
    restore();
  }
}
