// `idlereap probe`: is the peer of each idle connection still there? Keepalive probes through a
// duplicate of the owner's descriptor, classified alive, dead or unknown; options put back after.
import { Command } from "commander";
import { InputError } from "../../errors.js";
import type { NetnsRef } from "../../kernel/netns.js";
import { PROBE_DEFAULTS, type ProbeResult, probeLiveness } from "../../probe/liveness.js";
import { DEFAULT_RUN_DIR, ProbeJournal, type RecoveryReport } from "../../probe/probe-journal.js";
import { collectSockets } from "../../scan/collect.js";
import { selectNamespaces } from "../../scan/namespaces.js";
import { compileFilter } from "../../select/socket-filter.js";
import { formatDuration, parseDuration } from "../../util/duration.js";
import { addFilterOptions, type FilterFlags, filterSpecFromFlags } from "../flags.js";
import { io } from "../io.js";
import { type Column, renderTable } from "../output/table.js";
import { reportScanErrors } from "../scan-errors.js";

interface ProbeFlags extends FilterFlags {
  probes?: string;
  interval?: string;
  json?: boolean;
  recover?: boolean;
}

export function probeCommand(): Command {
  const cmd = new Command("probe")
    .description(
      "Tell idle connections whose peer is alive from those whose peer is gone (keepalive probes, no data sent; options put back)",
    )
    .option("--probes <n>", `unanswered probes that make a peer dead (default ${PROBE_DEFAULTS.probes})`)
    .option("--interval <duration>", "time between probes, whole seconds (default 1s)")
    .option("--json", "print a JSON object with one entry per connection")
    .option("--recover", "only put back options that an interrupted probe left changed");
  addFilterOptions(cmd).action((flags: ProbeFlags) => runProbe(flags));
  return cmd;
}

async function runProbe(flags: ProbeFlags): Promise<void> {
  const journal = new ProbeJournal(process.env.IDLEREAP_RUN_DIR ?? DEFAULT_RUN_DIR);
  const recovered = journal.recover();
  if (flags.recover) {
    printRecovery(recovered, flags.json === true, true);
    return;
  }
  const probes = parseCount(flags.probes);
  const intervalMs = parseInterval(flags.interval);
  const spec = filterSpecFromFlags({ ...flags, state: flags.state ?? ["established"] });
  const filter = compileFilter(spec);
  const namespaces = selectNamespaces(flags.netns);
  const started = performance.now();
  const { sockets, namespaces: scanned } = collectSockets(namespaces, {
    filter,
    owners: true,
    cgroups: false,
    pids: spec.pids,
  });
  const byName = new Map<string, NetnsRef>(namespaces.map((n) => [n.name, n]));
  // Ctrl-C or SIGTERM ends the watch early; the options are put back before the command exits.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  const report = flags.json ? new JsonReport() : undefined;
  let results: ProbeResult[];
  try {
    results = await probeLiveness(sockets, byName, {
      probes,
      intervalMs,
      journal,
      signal: stop.signal,
      bytecode: filter.bytecode,
      ...(report ? { onResult: (r: ProbeResult) => report.add(r) } : {}),
    });
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
  const elapsedMs = performance.now() - started;
  if (report) report.end({ elapsedMs: Math.round(elapsedMs), summary: tally(results), recovered });
  else printText(results, elapsedMs, recovered);
  if (results.some((r) => !r.restored)) process.exitCode = 1;
  if (stop.signal.aborted) process.exitCode = 130;
  reportScanErrors(scanned, flags.netns?.includes("all"));
}

function parseCount(text: string | undefined): number {
  if (text === undefined) return PROBE_DEFAULTS.probes;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `--probes: "${text}" is not a count from 1 to 100`,
      "--probes",
    );
  }
  return Number(text);
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return PROBE_DEFAULTS.intervalMs;
  const ms = parseDuration(text, "--interval");
  if (ms < 1000 || ms % 1000 !== 0 || ms > 3_600_000) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `--interval: "${text}" must be whole seconds from 1s to 1h (TCP_KEEPINTVL counts seconds)`,
      "--interval",
    );
  }
  return ms;
}

const addr = (a: string, p: number, family: 4 | 6) => (family === 6 ? `[${a}]:${p}` : `${a}:${p}`);

function tally(results: readonly ProbeResult[]) {
  const t = { alive: 0, dead: 0, unknown: 0, notRestored: 0 };
  for (const r of results) {
    t[r.liveness]++;
    if (!r.restored) t.notRestored++;
  }
  return t;
}

function printText(results: readonly ProbeResult[], elapsedMs: number, recovered: RecoveryReport): void {
  printRecovery(recovered, false, false);
  const columns: Column<ProbeResult>[] = [
    { header: "PEER-IS", value: (r) => r.liveness },
    {
      header: "ANSWER",
      value: (r) =>
        r.answeredMs !== undefined
          ? formatDuration(r.answeredMs)
          : r.liveness === "dead"
            ? `${r.unanswered} lost`
            : "-",
      align: "right",
    },
    { header: "LOCAL", value: (r) => addr(r.socket.localAddress, r.socket.localPort, r.socket.family) },
    { header: "PEER", value: (r) => addr(r.socket.remoteAddress, r.socket.remotePort, r.socket.family) },
    {
      header: "IDLE",
      value: (r) => (r.socket.idleMs === null ? "-" : formatDuration(r.socket.idleMs)),
      align: "right",
    },
    {
      header: "PROCESS",
      value: (r) => (r.socket.pid === null ? "-" : `${r.socket.command}/${r.socket.pid}`),
    },
    { header: "FD", value: (r) => (r.socket.fd === null ? "-" : String(r.socket.fd)), align: "right" },
    { header: "NOTE", value: (r) => r.reason ?? (r.restored ? "" : "options not restored") },
  ];
  if (results.length > 0) io.stdout.write(`${renderTable(results, columns)}\n`);
  const t = tally(results);
  io.stdout.write(
    `probed ${results.length} connection(s) in ${formatDuration(elapsedMs)}: alive ${t.alive}, dead ${t.dead}, unknown ${t.unknown}; ` +
      (t.notRestored === 0
        ? "every option put back as it was\n"
        : `${t.notRestored} NOT put back (see NOTE)\n`),
  );
  if (t.dead > 0) {
    io.stdout.write(
      "dead peers hold their connection until keepalive or the application gives up; close them with\n" +
        "  idlereap kill --mode abort ... (or a daemon rule: match: { idle: 10m, peer: dead })\n",
    );
  }
}

/** One connection of `probe --json`. */
function connectionJson(r: ProbeResult): string {
  return JSON.stringify({
    netns: r.socket.netns,
    localAddress: r.socket.localAddress,
    localPort: r.socket.localPort,
    remoteAddress: r.socket.remoteAddress,
    remotePort: r.socket.remotePort,
    cookie: r.socket.cookie,
    idleMs: r.socket.idleMs,
    pid: r.socket.pid,
    fd: r.socket.fd,
    command: r.socket.command,
    liveness: r.liveness,
    answeredMs: r.answeredMs ?? null,
    unanswered: r.unanswered ?? null,
    reason: r.reason ?? null,
    before: r.before ?? null,
    restored: r.restored,
  });
}

/**
 * `probe --json`: one object on one line, as `ls --json` and `kill --json` print, written while the
 * probe runs. Each connection goes out as soon as its result is final (most of 10k while the last
 * probes are out), so `connections` is in that order; the totals come last.
 */
class JsonReport {
  #started = false;
  #pending: string[] = [];
  #bytes = 0;

  add(r: ProbeResult): void {
    const json = connectionJson(r);
    this.#pending.push(json);
    this.#bytes += json.length;
    if (this.#bytes >= 1 << 16) this.#flush();
  }

  end(totals: { elapsedMs: number; summary: ReturnType<typeof tally>; recovered: RecoveryReport }): void {
    this.#flush();
    if (!this.#started) io.stdout.write(`{"connections":[`);
    io.stdout.write(`],${JSON.stringify(totals).slice(1)}\n`);
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    io.stdout.write(`${this.#started ? "," : `{"connections":[`}${this.#pending.join(",")}`);
    this.#started = true;
    this.#pending = [];
    this.#bytes = 0;
  }
}

function printRecovery(r: RecoveryReport, json: boolean, always: boolean): void {
  if (json && always) {
    io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } else if (always || r.restored > 0 || r.failed.length > 0) {
    io.stderr.write(
      `idlereap: an interrupted probe had changed ${r.restored + r.gone + r.failed.length} connection(s): ${r.restored} put back, ${r.gone} gone, ${r.failed.length} failed\n`,
    );
    for (const f of r.failed) io.stderr.write(`  pid ${f.pid} fd ${f.fd}: ${f.reason}\n`);
  }
  if (r.failed.length > 0) process.exitCode = 1;
}
