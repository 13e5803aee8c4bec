// `idlereap kill`: close the sockets the `ls` filters select, gracefully by default. Without --yes it
// only prints what it would do.

import { Command } from "commander";
import { REAP_DEFAULTS } from "../../reap/defaults.js";
import type { Outcome } from "../../reap/outcome.js";
import { Reaper } from "../../reap/reaper.js";
import { formatSummary, type Summary } from "../../reap/summary.js";
import { selectNamespaces } from "../../scan/namespaces.js";
import { compileFilter } from "../../select/socket-filter.js";
import { formatDuration } from "../../util/duration.js";
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
import { type SharedHolders, sharedHolders, sharedNote } from "../kill-holders.js";
import { formatEndpoint } from "../output/endpoint.js";
import { type Column, renderTable } from "../output/table.js";
import { explainMissingOwners } from "../owner-note.js";
import { reportScanErrors } from "../scan-errors.js";

const GRACE = formatDuration(REAP_DEFAULTS.graceMs);
const MODES = ["graceful", "abort"] as const;

interface KillFlags extends FilterFlags {
  mode?: string;
  grace?: string;
  force?: boolean;
  allowAbort?: boolean;
  protectPort?: string[];
  protectComm?: string[];
  yes?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function killCommand(): Command {
  const cmd = new Command("kill")
    .description("Close the TCP sockets the filters select: gracefully (FIN) by default, or abort (RST)")
    .option(
      "--mode <graceful|abort>",
      "graceful: FIN through the owner's descriptor; abort: SOCK_DESTROY",
      "graceful",
    )
    .option("--grace <duration>", "graceful: abort sockets still held this long after FIN (0: never)", GRACE)
    .option("--allow-abort", "graceful: abort when pidfd_getfd is refused or no process holds the socket")
    .option("--force", "close even sockets with unread or unsent data")
    .option("--protect-port <ports>", "ports never closed (default 22; repeat or comma-separate)", collect)
    .option("--protect-comm <names>", "owner commands never closed (glob with *)", collect)
    .option("--yes", "act; without it kill only prints what it would close")
    .option("--json", "print {dryRun, summary, outcomes} as JSON")
    .option("--quiet", "print only the summary");
  addFilterOptions(cmd).action((flags: KillFlags) => runKill(flags));
  return withHelp(cmd, "kill", [
    ["idlereap kill --state close-wait --comm 'java*'", "show what would be closed (dry run)"],
    ["idlereap kill --state established --idle-over 1h --yes", "close connections idle for an hour"],
    ["idlereap kill --dport 6379 --mode abort --yes", "reset every connection to Redis"],
  ]);
}

async function runKill(flags: KillFlags): Promise<void> {
  const spec = filterSpecFromFlags(flags);
  const mode = parseChoice(flags.mode ?? "graceful", MODES, "--mode", "is not graceful or abort");
  const graceMs = parseDurationFlag(flags.grace ?? GRACE, "--grace", { timer: true });
  const dryRun = flags.yes !== true;
  const reaper = new Reaper({
    dryRun,
    protect: {
      ...(flags.protectPort
        ? { ports: flags.protectPort.map((p) => parsePortFlag(p, "--protect-port")) }
        : {}),
      ...(flags.protectComm ? { processes: flags.protectComm } : {}),
    },
  });
  const namespaces = selectNamespaces(flags.netns);
  const r = await reaper.kill(namespaces, {
    filter: compileFilter(spec),
    mode,
    graceMs,
    force: flags.force === true,
    allowAbort: flags.allowAbort === true,
    owners: flags.process !== false,
    pids: spec.pids,
    ...(spec.deadPeerOverMs !== undefined ? { deadPeerMs: spec.deadPeerOverMs } : {}),
    cgroups: flags.json === true,
    keepOutcomes: flags.json ? Number.POSITIVE_INFINITY : flags.quiet ? 0 : TABLE_ROWS,
  });
  const shared = flags.process === false ? [] : sharedHolders(r.outcomes, namespaces);
  report(r.outcomes, r.summary, flags, dryRun, namespaces.length > 1, shared);
  // Owners this user cannot see match no owner filter and cannot be closed gracefully.
  if (mode === "graceful" || spec.pids !== undefined || spec.commands !== undefined) explainMissingOwners();
  reportScanErrors(r.namespaces);
}

function report(
  outcomes: Outcome[],
  summary: Summary,
  flags: KillFlags,
  dryRun: boolean,
  showNetns: boolean,
  shared: SharedHolders[],
): void {
  if (flags.json) {
    const out = { dryRun, summary, outcomes: outcomes.map(flatten), ...(shared.length ? { shared } : {}) };
    io.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    if (!flags.quiet && outcomes.length > 0) printTable(outcomes, showNetns, summary.matched);
    if (shared.length > 0) io.stdout.write(sharedNote(shared, dryRun));
    io.stdout.write(`${dryRun ? "dry run (add --yes to act): " : ""}${formatSummary(summary, dryRun)}\n`);
    if (summary.closedHeld > 0) io.stdout.write(heldText(outcomes, summary.closedHeld));
  }
  if (summary.failed > 0) process.exitCode = 1;
}

function flatten(o: Outcome): Record<string, unknown> {
  const { socket, ...rest } = o;
  return { ...socket, ...rest };
}

/** Rows the table shows; a kill of thousands is read from its summary (or all of it with --json). */
const TABLE_ROWS = 200;

function printTable(all: Outcome[], showNetns: boolean, total: number): void {
  const outcomes = all.length > TABLE_ROWS ? all.slice(0, TABLE_ROWS) : all;
  const columns: Column<Outcome>[] = [
    ...(showNetns ? [{ header: "NETNS", value: (o: Outcome) => o.socket.netns }] : []),
    { header: "STATE", value: (o) => o.socket.state },
    {
      header: "LOCAL",
      value: (o) => formatEndpoint(o.socket.localAddress, o.socket.localPort, o.socket.family),
    },
    {
      header: "PEER",
      value: (o) => formatEndpoint(o.socket.remoteAddress, o.socket.remotePort, o.socket.family),
    },
    {
      header: "IDLE",
      value: (o) => (o.socket.idleMs === null ? "-" : formatDuration(o.socket.idleMs)),
      align: "right",
    },
    {
      header: "PROCESS",
      value: (o) => (o.socket.pid === null ? "-" : `${o.socket.command}/${o.socket.pid} fd=${o.socket.fd}`),
    },
    { header: "RESULT", value: (o) => resultText(o) },
  ];
  io.stdout.write(`${renderTable(outcomes, columns)}\n`);
  if (total > outcomes.length) {
    io.stdout.write(`... and ${total - outcomes.length} more (--json lists them all)\n`);
  }
}

/** What a graceful close freed and what only the application can free, with the processes holding on. */
function heldText(outcomes: readonly Outcome[], count: number): string {
  const byProcess = new Map<string, number>();
  for (const o of outcomes) {
    if (o.result !== "closed-held") continue;
    const who = `${o.socket.command ?? "?"}/${o.socket.pid}`;
    byProcess.set(who, (byProcess.get(who) ?? 0) + 1);
  }
  const holders = [...byProcess].map(([who, n]) => `${who} holds ${n}`).join(", ");
  return (
    `${count} connection(s) closed: the peer got FIN, the port and the conntrack entry are freed.\n` +
    `Their descriptors are still held by the application (${holders}): only the application can ` +
    "free them, by closing them. This is a descriptor leak (it read EOF and never closed): " +
    "fix or restart the application.\n"
  );
}

function resultText(o: Outcome): string {
  if (o.result === "closed-held") return "closed, descriptor still held by the application";
  if (o.result === "would-act") {
    const verb = o.action === "abort" ? "would abort" : "would close";
    return o.deadPeerMs !== undefined ? `${verb} (${o.detail ?? "dead peer"})` : verb;
  }
  if (o.result === "skipped") return `skipped: ${o.reason}${o.detail ? ` (${o.detail})` : ""}`;
  if (o.result === "failed") return `failed: ${o.detail ?? "?"}`;
  if (o.deadPeerMs !== undefined) return `${o.result} (${o.detail ?? "dead peer"})`;
  return o.fellBack ? `${o.result} (fallback: ${o.detail ?? ""})` : o.result;
}
