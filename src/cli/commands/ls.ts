// `idlereap ls`: the TCP socket table, ss-like, with idle times and owners.

import { Command } from "commander";
import type { TcpSocket } from "../../model/tcp-socket.js";
import { collectSockets } from "../../scan/collect.js";
import { selectNamespaces } from "../../scan/namespaces.js";
import { compileFilter } from "../../select/socket-filter.js";
import { DEFAULT_STATES, parseStates, STATE_NAMES } from "../../select/states.js";
import { formatDuration } from "../../util/duration.js";
import { addFilterOptions, type FilterFlags, filterSpecFromFlags, parseLimit, usage } from "../flags.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";
import { streamJson } from "../ls-stream.js";
import { colorEnabled, type Paint, painter, parseColorMode, stateColor } from "../output/color.js";
import { formatEndpoint } from "../output/endpoint.js";
import { JsonArrayWriter } from "../output/json-stream.js";
import { socketToJson } from "../output/socket-json.js";
import { type Column, renderTable } from "../output/table.js";
import { explainMissingOwners } from "../owner-note.js";
import { reportScanErrors } from "../scan-errors.js";

interface LsFlags extends FilterFlags {
  sort?: string;
  limit?: string;
  json?: boolean;
  ndjson?: boolean;
  color?: string;
}

export const SORTS: Record<string, (a: TcpSocket, b: TcpSocket) => number> = {
  idle: (a, b) => (b.idleMs ?? -1) - (a.idleMs ?? -1),
  state: (a, b) => a.state.localeCompare(b.state),
  "recv-q": (a, b) => b.recvQ - a.recvQ,
  "send-q": (a, b) => b.sendQ - a.sendQ,
  rtt: (a, b) => (b.rttMs ?? -1) - (a.rttMs ?? -1),
  local: (a, b) => a.localPort - b.localPort,
  remote: (a, b) => a.remoteAddress.localeCompare(b.remoteAddress) || a.remotePort - b.remotePort,
  pid: (a, b) => (a.pid ?? 0) - (b.pid ?? 0),
  command: (a, b) => (a.command ?? "").localeCompare(b.command ?? ""),
  unacked: (a, b) => (b.unacked ?? 0) - (a.unacked ?? 0),
  retrans: (a, b) => (b.totalRetrans ?? 0) - (a.totalRetrans ?? 0),
  holders: (a, b) => b.holders - a.holders,
};

/** The states ls shows without --state, by name (the "connected" group, as in ss). */
export const DEFAULT_STATE_NAMES = STATE_NAMES.filter((s) => (DEFAULT_STATES & parseStates(s)) !== 0);

export function lsCommand(): Command {
  const cmd = new Command("ls")
    .description("List TCP sockets with state, queues, idle times and owners (like ss, faster)")
    .option("--sort <key>", `order: ${Object.keys(SORTS).join(", ")} (idle: idlest first)`)
    .option("--limit <n>", "print at most N sockets")
    .option("--json", "print a JSON array of socket objects")
    .option("--ndjson", "print one JSON object a line (for jq -c and log shippers)")
    .option("--color <when>", "colour states: auto (when stdout is a terminal), always, never");
  addFilterOptions(cmd).action((flags: LsFlags) => runLs(flags));
  const states = () =>
    `Without --state, ls shows the connected states: ${DEFAULT_STATE_NAMES.join(", ")}\n(every state but listen, close, time-wait and syn-recv, as ss does).\n`;
  return withHelp(
    cmd,
    "ls",
    [
      ["idlereap ls --state established --idle-over 10m --sort idle", "connections idle for 10 minutes"],
      ["idlereap ls --state close-wait --comm 'java*'", "CLOSE_WAIT leaks of Java processes"],
      ["idlereap ls --netns all --ndjson | jq -c 'select(.unacked > 0)'", "unacknowledged data anywhere"],
    ],
    states,
  );
}

async function runLs(flags: LsFlags): Promise<void> {
  const spec = filterSpecFromFlags(flags);
  const limit = parseLimit(flags.limit);
  const sort = flags.sort === undefined ? undefined : SORTS[flags.sort];
  if (flags.sort !== undefined && !sort) {
    throw usage(`--sort: "${flags.sort}" is not one of ${Object.keys(SORTS).join(", ")}`, "--sort");
  }
  if (flags.json && flags.ndjson) throw usage("--json and --ndjson: choose one", "--ndjson");
  const color = parseColorMode(flags.color);
  const filter = compileFilter(spec);
  const namespaces = selectNamespaces(flags.netns);
  if (flags.json && !sort && limit === undefined && !filter.needsOwners) {
    const results = streamJson(namespaces, filter, flags.process !== false);
    if (flags.process !== false) explainMissingOwners();
    return reportScanErrors(results, flags.netns?.includes("all"));
  }
  const { sockets, namespaces: results } = collectSockets(namespaces, {
    filter,
    owners: flags.process !== false,
    pids: spec.pids,
  });
  if (sort) sockets.sort(sort);
  const shown = limit === undefined ? sockets : sockets.slice(0, limit);
  if (flags.json) {
    const out = new JsonArrayWriter();
    for (const s of shown) out.pushRaw(socketToJson(s));
    out.end();
  } else if (flags.ndjson) {
    printNdjson(shown);
  } else {
    const paint = painter(colorEnabled(color, io.stdout));
    printTable(shown, namespaces.length > 1 || flags.netns !== undefined, paint);
  }
  if (flags.process !== false && shown.some((s) => s.pid === null)) explainMissingOwners();
  reportScanErrors(results, flags.netns?.includes("all"));
}

const ms = (v: number | null) => (v === null ? "-" : formatDuration(v));

/** One object a line, written in chunks so that a large table is not one string. */
function printNdjson(sockets: readonly TcpSocket[]): void {
  const CHUNK = 1000;
  for (let i = 0; i < sockets.length; i += CHUNK) {
    io.stdout.write(
      `${sockets
        .slice(i, i + CHUNK)
        .map(socketToJson)
        .join("\n")}\n`,
    );
  }
}

const num = (v: number | null) => (v === null ? "-" : String(v));
/** `command/pid` with no blank in it (a command name may hold one), so `awk '{print $NF}'` works. */
export const processCell = (s: TcpSocket) =>
  s.pid === null ? "-" : `${(s.command ?? "?").replace(/\s/g, "_")}/${s.pid}`;

function printTable(sockets: TcpSocket[], showNetns: boolean, paint: Paint): void {
  const columns: Column<TcpSocket>[] = [
    ...(showNetns ? [{ header: "NETNS", value: (s: TcpSocket) => s.netns }] : []),
    { header: "STATE", value: (s) => s.state, paint: (s, text) => paint(stateColor(s.state), text) },
    { header: "RECV-Q", value: (s) => String(s.recvQ), align: "right" },
    { header: "SEND-Q", value: (s) => String(s.sendQ), align: "right" },
    { header: "LOCAL", value: (s) => formatEndpoint(s.localAddress, s.localPort, s.family) },
    { header: "PEER", value: (s) => formatEndpoint(s.remoteAddress, s.remotePort, s.family) },
    { header: "IDLE", value: (s) => ms(s.idleMs), align: "right" },
    { header: "RTT", value: (s) => (s.rttMs === null ? "-" : `${s.rttMs.toFixed(2)}ms`), align: "right" },
    { header: "HOLDERS", value: (s) => String(s.holders), align: "right" },
    { header: "TIMER", value: (s) => (s.timer === "off" ? "-" : s.timer) },
    { header: "UNACKED", value: (s) => num(s.unacked), align: "right" },
    { header: "RETRANS", value: (s) => num(s.totalRetrans), align: "right" },
    { header: "FD", value: (s) => num(s.fd), align: "right" },
    { header: "PROCESS", value: processCell },
  ];
  io.stdout.write(`${renderTable(sockets, columns)}\n`);
}
