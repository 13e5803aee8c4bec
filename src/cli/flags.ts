// The command line's flags in one place: the socket-selection flags shared by `ls`, `kill` and
// `status` and their translation to a filter, and the parsers of ports, counts and durations, each
// failing as a usage error (exit 2) that names its flag.
import { type Command, InvalidArgumentError } from "commander";
import { InputError, UsageError } from "../errors.js";
import { parseCidr } from "../kernel/address.js";
import { MAX_FILTER_PORTS } from "../kernel/inet-diag-bytecode.js";
import type { SocketFilterSpec } from "../select/socket-filter.js";
import { type DurationOptions, parseDuration } from "../util/duration.js";

export interface FilterFlags {
  netns?: string[];
  state?: string[];
  port?: string[];
  sport?: string[];
  dport?: string[];
  src?: string[];
  dst?: string[];
  pid?: string[];
  comm?: string[];
  idleOver?: string;
  deadPeerOver?: string;
  keepalive?: string;
  holdersOver?: string;
  process?: boolean;
}

/**
 * Commander option parser: a repeatable, comma-separated list. An empty value or item is refused: a
 * filter given as `--pid "$PID"` with PID unset must not vanish and widen the selection to everything.
 */
export const collect = (value: string, previous: string[] | undefined): string[] => {
  const items = value.split(",").map((v) => v.trim());
  if (items.some((v) => v === "")) {
    throw new InvalidArgumentError(
      value.trim() === ""
        ? "an empty value selects nothing; leave the flag out instead"
        : "a list item is empty",
    );
  }
  return [...(previous ?? []), ...items];
};

export function addNetnsOption(cmd: Command): Command {
  return cmd.option(
    "--netns <name|path|all>",
    "network namespace: the one the command runs in (default), host (PID 1's), a name, a path, or all",
    collect,
  );
}

export function addFilterOptions(cmd: Command): Command {
  return addNetnsOption(cmd)
    .option("--state <list>", "TCP states, e.g. established,close-wait (also: all, connected)", collect)
    .option("--port <ports>", "local or remote port", collect)
    .option("--sport <ports>", "local port", collect)
    .option("--dport <ports>", "remote port", collect)
    .option("--src <cidr>", "local address prefix, e.g. 10.0.0.0/8", collect)
    .option("--dst <cidr>", "remote address prefix", collect)
    .option("--pid <pids>", "owner process id", collect)
    .option("--comm <names>", "owner command name (glob with *)", collect)
    .option("--idle-over <duration>", "only sockets with no application data for at least this long, e.g. 5m")
    .option(
      "--dead-peer-over <duration>",
      "only sockets whose peer has not acknowledged data or keepalive probes for at least this long, e.g. 30s",
    )
    .option("--keepalive <on|off>", "only sockets whose keepalive timer is (on) or is not (off) armed")
    .option(
      "--holders-over <n>",
      "only sockets held by more than N descriptors (1: a kept dup() or an inherited descriptor)",
    )
    .option("--no-process", "skip the owner lookup in /proc (faster)");
}

/** A usage error (exit 2) that names its flag. */
export function usage(message: string, key: string): UsageError {
  return new UsageError(message, key);
}

function toUsage<T>(fn: () => T, key?: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (err instanceof InputError) throw usage(err.message, key ?? err.key ?? "");
    throw err;
  }
}

/** A duration flag ("250ms", "30s", "5m", "1h30m"). */
export function parseDurationFlag(text: string, key: string, options: DurationOptions = {}): number {
  return toUsage(() => parseDuration(text, key, options), key);
}

/** A flag whose value must be one of `choices`. */
export function parseChoice<T extends string>(
  text: string,
  choices: readonly T[],
  key: string,
  what: string,
): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw usage(`${key}: "${text}" ${what}`, key);
}

export function filterSpecFromFlags(flags: FilterFlags): SocketFilterSpec {
  return toUsage(() => {
    const spec: SocketFilterSpec = {};
    if (flags.state) spec.states = flags.state;
    if (flags.port) spec.ports = parsePortFlags(flags.port, "--port");
    if (flags.sport) spec.sports = parsePortFlags(flags.sport, "--sport");
    if (flags.dport) spec.dports = parsePortFlags(flags.dport, "--dport");
    if (flags.src) spec.src = flags.src.map((c) => checkCidrFlag(c, "--src"));
    if (flags.dst) spec.dst = flags.dst.map((c) => checkCidrFlag(c, "--dst"));
    if (flags.pid) spec.pids = flags.pid.map((p) => parsePid(p));
    if (flags.comm) spec.commands = flags.comm;
    if (flags.idleOver !== undefined) spec.idleOverMs = parseDuration(flags.idleOver, "--idle-over");
    if (flags.deadPeerOver !== undefined) {
      spec.deadPeerOverMs = parseDuration(flags.deadPeerOver, "--dead-peer-over");
    }
    if (flags.keepalive !== undefined) {
      if (!["on", "off", "yes", "no", "true", "false"].includes(flags.keepalive)) {
        throw usage(`--keepalive: "${flags.keepalive}" must be on or off`, "--keepalive");
      }
      spec.keepalive = ["on", "yes", "true"].includes(flags.keepalive);
    }
    if (flags.holdersOver !== undefined) spec.holdersOver = parseCount(flags.holdersOver, "--holders-over");
    return spec;
  });
}

/** An address prefix flag, refused with the flag's name (the filter's own message does not know it). */
function checkCidrFlag(text: string, key: string): string {
  try {
    parseCidr(text);
  } catch (err) {
    throw usage(`${key}: ${(err as Error).message}`, key);
  }
  return text;
}

/** A repeated port flag, bounded so that the kernel's filter bytecode can hold it. */
function parsePortFlags(values: readonly string[], key: string): number[] {
  if (values.length > MAX_FILTER_PORTS) {
    throw usage(
      `${key}: ${values.length} ports given, at most ${MAX_FILTER_PORTS} (the kernel's socket filter bytecode)`,
      key,
    );
  }
  return values.map((p) => parsePortFlag(p, key));
}

/** A port flag's value: digits only, 0-65535. */
export function parsePortFlag(text: string, key: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw usage(`${key}: "${text}" is not a port (0-65535)`, key);
  return n;
}

function parsePid(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw usage(`--pid: "${text}" is not a process id`, "--pid");
  return Number(text);
}

/** A count flag: digits only, 0 or more. */
function parseCount(text: string, key: string): number {
  if (!/^\d+$/.test(text)) throw usage(`${key}: "${text}" is not a count (0 or more)`, key);
  return Number(text);
}

export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw usage(`--limit: "${text}" is not a positive count`, "--limit");
  return Number(text);
}
