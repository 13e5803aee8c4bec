// `idlereap status`: the one-screen health report of the host's TCP connections.

import { Command } from "commander";
import { buildStatus } from "../../report/status.js";
import type { HoldersStatus, NetnsStatus, ProcessCount, StatusReport } from "../../report/status-report.js";
import { STATUS_SEVERITIES, type StatusFinding, type StatusSeverity } from "../../report/status-report.js";
import { selectNamespaces } from "../../scan/namespaces.js";
import { formatDuration } from "../../util/duration.js";
import { addNetnsOption, parseChoice, parseDurationFlag } from "../flags.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";
import { histogramLines } from "../output/bars.js";
import { colorEnabled, type Paint, painter, parseColorMode, severityColor } from "../output/color.js";
import { formatEndpoint } from "../output/endpoint.js";
import { renderTable } from "../output/table.js";
import { reportNetnsErrors } from "../scan-errors.js";

interface StatusFlags {
  netns?: string[];
  json?: boolean;
  failOn?: string;
  deadPeerAfter?: string;
  process?: boolean;
  color?: string;
}

export function statusCommand(): Command {
  const cmd = new Command("status")
    .description(
      "Health report of TCP connections: states, idle times, leaks, dead peers, keepalive, pressure",
    )
    .option("--json", "print the report as JSON")
    .option("--fail-on <severity>", "exit 1 when a finding is at least this severe (warning or critical)")
    .option(
      "--dead-peer-after <duration>",
      "a peer silent this long with data or keepalive probes outstanding is dead",
      "30s",
    )
    .option("--no-process", "skip the owner lookup in /proc")
    .option("--color <when>", "colour severities: auto (when stdout is a terminal), always, never");
  addNetnsOption(cmd).action((flags: StatusFlags) => runStatus(flags));
  return withHelp(cmd, "status", [
    ["idlereap status", "the host's report"],
    ["idlereap status --netns all --fail-on warning", "every namespace; exit 1 on a warning (for cron)"],
    ["idlereap status --json | jq '.findings[]'", "the findings as JSON"],
  ]);
}

async function runStatus(flags: StatusFlags): Promise<void> {
  const failOn =
    flags.failOn === undefined
      ? undefined
      : parseChoice(flags.failOn, FAIL_ON, "--fail-on", "must be warning or critical");
  const color = parseColorMode(flags.color);
  const deadPeerMs = parseDurationFlag(flags.deadPeerAfter ?? "30s", "--dead-peer-after");
  const report = await buildStatus(selectNamespaces(flags.netns), {
    deadPeerMs,
    owners: flags.process !== false,
  });
  const paint = painter(!flags.json && colorEnabled(color, io.stdout));
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report, paint));
  reportNetnsErrors(report.errors, flags.netns?.includes("all"));
  if (failOn && report.findings.some((f) => atLeast(f.severity, failOn))) process.exitCode = 1;
}

const FAIL_ON = ["warning", "critical"] as const;
const atLeast = (s: StatusSeverity, min: StatusSeverity) =>
  STATUS_SEVERITIES.indexOf(s) >= STATUS_SEVERITIES.indexOf(min);
const pct = (r: number) => `${r < 0.01 && r > 0 ? "<1" : Math.round(r * 100)}%`;
const who = (p: ProcessCount) => (p.pid === null ? "?" : `${p.command ?? "?"}/${p.pid}`);

export function renderStatus(report: StatusReport, paint: Paint = painter(false)): string {
  const lines = [
    paint(
      "bold",
      `idlereap status: ${report.host.hostname} (Linux ${report.host.kernel}), ${report.generatedAt}`,
    ),
  ];
  for (const ns of report.namespaces) lines.push("", ...renderNetns(ns));
  for (const e of report.errors) lines.push("", `netns ${e.netns}: NOT SCANNED: ${e.message}`);
  lines.push("", ...renderFindings(report.findings, report.notScanned, paint));
  return `${lines.join("\n")}\n`;
}

function renderNetns(ns: NetnsStatus): string[] {
  const states = Object.entries(ns.sockets.byState)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s} ${n}`)
    .join("  ");
  const k = ns.keepalive;
  const [firstBar, ...moreBars] = histogramLines(ns.established.idleHistogram);
  const out = [
    `netns ${ns.netns}: ${ns.sockets.total} TCP sockets (scanned in ${ns.scanMs} ms)`,
    `  states        ${states || "none"}`,
    `  idle          ${firstBar}`,
    ...moreBars.map((l) => `                ${l}`),
    `  keepalive     ${coverage(k)}${
      k.settings
        ? `; a dead idle peer is found after ${k.settings.time} + ${k.settings.intvl} × ${k.settings.probes} = ${k.worstCaseDetectionSeconds} s (${formatDuration((k.worstCaseDetectionSeconds ?? 0) * 1000)})`
        : ""
    }`,
  ];
  if (k.processesWithout.length) out.push(`    without     ${groups(k.processesWithout, false)}`);
  out.push(
    `  close-wait    ${ns.closeWait.total}${ns.closeWait.total ? `: ${groups(ns.closeWait.byProcess, true)}` : ""}`,
  );
  const held = ns.finWait2.heldByProcess.reduce((n, p) => n + p.count, 0);
  out.push(`  fin-wait-2    ${ns.finWait2.total} (${held} still held by a process)`);
  out.push(
    `  dead peers    ${ns.deadPeers.total} (${ns.deadPeers.unknownLiveness} idle with liveness unknown: idlereap probe)`,
  );
  if (ns.holders) out.push(...renderHolders(ns.holders));
  out.push(
    `  pressure      ${ns.pressure.map((p) => `${p.resource} ${pct(p.ratio)} (${p.used}/${p.limit})`).join("  ") || "unknown"}`,
  );
  if (ns.established.longestIdle.length) {
    out.push("  longest idle:");
    const table = renderTable(ns.established.longestIdle, [
      { header: "IDLE", value: (s) => formatDuration(s.idleMs ?? 0), align: "right" },
      { header: "LOCAL", value: (s) => formatEndpoint(s.localAddress, s.localPort, s.family) },
      { header: "PEER", value: (s) => formatEndpoint(s.remoteAddress, s.remotePort, s.family) },
      { header: "KEEPALIVE", value: (s) => (s.keepalive ? "on" : "off") },
      { header: "PROCESS", value: (s) => (s.pid === null ? "-" : `${s.command}/${s.pid}`) },
    ]);
    out.push(...table.split("\n").map((l) => `    ${l}`));
  }
  return out;
}

/** "3/8 established armed (38%)", or plainly none when there is nothing to cover. */
function coverage(k: NetnsStatus["keepalive"]): string {
  if (k.established === 0) return "no established connections";
  return `${k.armed}/${k.established} established armed (${pct(k.coverage)})`;
}

/** Connections held by several descriptors, and descriptors of connections already closed. */
function renderHolders(h: HoldersStatus): string[] {
  const s = h.shared;
  const listeners = s.sharedListeners
    ? `; ${s.sharedListeners} shared listener(s), by design, not flagged`
    : "";
  const out = [
    `  shared        ${s.total} connection(s) held by more than one descriptor (same process ${s.sameProcess}, across processes ${s.crossProcess})${listeners}`,
  ];
  for (const x of s.sockets.slice(0, 5)) {
    const holders = x.holders.map((o) => `${o.command ?? "?"}/${o.pid} fd ${o.fd}`).join(", ");
    const idle = x.idleMs === null ? "" : ` idle ${formatDuration(x.idleMs)}`;
    out.push(`    ${x.kind.padEnd(13)} ${x.state} ${x.local} → ${x.peer}${idle}: ${holders}`);
  }
  if (s.sockets.length > 5) out.push(`    +${s.total - 5} more (status --json lists ${s.sockets.length})`);
  const c = h.closedHeld;
  const procs = c.byProcess
    .slice(0, 4)
    .map(
      (p) =>
        `${p.command ?? "?"}/${p.pid} ${p.count} (fds ${p.fds.join(",")}${p.count > p.fds.length ? ",..." : ""})`,
    )
    .join(", ");
  const unchecked = c.unconfirmed ? `; ${c.unconfirmed} socket descriptor(s) not checked` : "";
  out.push(
    `  closed, held  ${c.total} descriptor(s) of closed TCP connections${procs ? `: ${procs}` : ""}${unchecked}`,
  );
  return out;
}

function groups(list: ProcessCount[], withIdle: boolean): string {
  const shown = list
    .slice(0, 4)
    .map((p) => `${who(p)} ${p.count}${withIdle ? ` (oldest ${formatDuration(p.maxIdleMs)})` : ""}`);
  return shown.join(", ") + (list.length > 4 ? `, +${list.length - 4} more` : "");
}

/** A namespace that was not scanned has unknown findings: "none" would claim more than was seen. */
function renderFindings(findings: StatusFinding[], notScanned: readonly string[], paint: Paint): string[] {
  const unknown = notScanned.length
    ? ` in the namespaces scanned; ${notScanned.join(", ")} not scanned, so ${notScanned.length > 1 ? "their" : "its"} findings are unknown`
    : "";
  if (findings.length === 0) return [`findings: none${unknown}`];
  const out = [`findings (${findings.length}${unknown}):`];
  for (const f of findings) {
    const label = paint(severityColor(f.severity), f.severity.toUpperCase().padEnd(8));
    out.push(`  ${label} [${f.netns}] ${f.message}`);
    out.push(`           → ${f.command}`);
  }
  return out;
}
