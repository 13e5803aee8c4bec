// The screen of `idlereap top` as lines of text (each with an optional colour), from the view's
// state and the latest snapshot: header, table, detail or confirmation, message and key help.
// Pure, so the ink component only maps lines to <Text>.
import type { TcpSocket } from "../../model/tcp-socket.js";
import type { PressureReading } from "../../pressure/netns-pressure.js";
import { formatDuration } from "../../util/duration.js";
import { plural } from "../../util/plural.js";
import { type ColorName, stateColor } from "../output/color.js";
import { formatEndpoint } from "../output/endpoint.js";
import type { CloseMode } from "./top-actions.js";
import { type Group, type GroupBy, type Row, rowMark, type SortKey } from "./top-model.js";
import type { Header, Snapshot } from "./top-source.js";

export interface Line {
  text: string;
  color?: ColorName | undefined;
  inverse?: boolean;
}

export interface ViewState {
  sort: SortKey;
  group: GroupBy;
  filter: string;
  /** The filter being typed after `/`, until Enter or Esc. */
  editing: string | undefined;
  cursor: number;
  marked: ReadonlySet<string>;
  detail: boolean;
  /** A group's members shown in its detail view (read when it was opened). */
  members: TcpSocket[];
  /** Rows the table asks of each refresh: a screenful, more once the cursor moves down. */
  limit: number;
  confirm: { mode: CloseMode; count: number; dryRun: string } | undefined;
  message: string;
  /** The refresh interval in force: the asked one, or longer to stay within the CPU budget. */
  intervalMs: number;
  askedMs: number;
  netns: string;
}

const BLOCKS = " ▁▂▃▄▅▆▇█";
const pct = (r: number) => `${r > 0 && r < 0.01 ? "<1" : Math.round(r * 100)}%`;
const ms = (v: number | null) => (v === null ? "-" : formatDuration(v));
const num = (v: number | null) => (v === null ? "-" : String(v));
const cut = (s: string, width: number) => (s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s);

function headerLines(h: Header, snap: Snapshot, st: ViewState): Line[] {
  const when = snap.at.toISOString().slice(11, 19);
  // The query the rows answer, not the one asked: the header and the table always agree.
  const q = snap.query;
  const view = `sort ${q.sort} · group ${q.group}${q.filter ? ` · filter "${q.filter}"` : ""}`;
  const states = [...h.byState]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([s, n]) => `${s} ${n}`);
  const max = Math.max(0, ...h.idle.map((b) => b.count));
  const idle = h.idle.map((b, i) => {
    const name = b.le === "+Inf" ? `>${h.idle[i - 1]?.le ?? 0}` : `≤${b.le}`;
    const level = b.count === 0 || max === 0 ? 0 : Math.max(1, Math.round((b.count / max) * 8));
    return `${name} ${BLOCKS[level]} ${b.count}`;
  });
  const coverage = h.established
    ? `${h.keepaliveArmed}/${h.established} established armed (${pct(h.keepaliveArmed / h.established)})`
    : "no established connections";
  const worst = h.pressure.reduce((m, p) => Math.max(m, p.ratio), 0);
  return [
    {
      text: `idlereap top · ${st.netns} · ${plural(h.total, "socket")} · ${view} · ${every(st)} · ${when} · scan ${Math.round(snap.scanMs)} ms`,
    },
    { text: `states     ${states.join("  ") || "none"}` },
    { text: `idle       ${idle.join("  ")}` },
    { text: `keepalive  ${coverage}` },
    {
      text: `pressure   ${h.pressure.map(gauge).join("  ") || "unknown"}`,
      color: worst >= 0.9 ? "red" : worst >= 0.7 ? "yellow" : undefined,
    },
    ...snap.errors.map((e): Line => ({ text: `error      ${e}`, color: "red" })),
  ];
}

function every(st: ViewState): string {
  const asked = formatDuration(st.askedMs);
  if (st.intervalMs <= st.askedMs) return `every ${asked}`;
  return `every ${formatDuration(st.intervalMs)} (not ${asked}: held to 10% of a core)`;
}

function gauge(p: PressureReading): string {
  return `${p.resource} ${pct(p.ratio)}`;
}

const SOCKET_HEAD = `  ${"STATE".padEnd(11)} ${"LOCAL".padEnd(22)} ${"PEER".padEnd(22)} ${"IDLE".padStart(7)} ${"UNACK".padStart(5)} ${"RETR".padStart(4)}  PROCESS`;
const GROUP_HEAD = `  ${"GROUP".padEnd(32)} ${"CONNS".padStart(6)} ${"MAX IDLE".padStart(8)} ${"UNACKED".padStart(7)}  STATES`;

function socketLine(s: TcpSocket, mark: boolean): string {
  const proc = s.pid === null ? "-" : `${s.command ?? "?"}/${s.pid} fd ${s.fd}`;
  return `${mark ? "*" : " "} ${s.state.padEnd(11)} ${formatEndpoint(s.localAddress, s.localPort, s.family).padEnd(22)} ${formatEndpoint(s.remoteAddress, s.remotePort, s.family).padEnd(22)} ${ms(s.idleMs).padStart(7)} ${num(s.unacked).padStart(5)} ${num(s.totalRetrans).padStart(4)}  ${proc}`;
}

function groupLine(g: Group, mark: boolean): string {
  const states = [...g.byState].map(([s, n]) => `${s} ${n}`).join(" ");
  return `${mark ? "*" : " "} ${cut(g.key, 32).padEnd(32)} ${String(g.count).padStart(6)} ${formatDuration(g.maxIdleMs).padStart(8)} ${String(g.unacked).padStart(7)}  ${states}`;
}

export function isMarked(row: Row, marked: ReadonlySet<string>): boolean {
  return marked.has(rowMark(row));
}

function detailLines(row: Row | undefined, members: readonly TcpSocket[]): Line[] {
  if (!row) return [{ text: "nothing selected" }];
  if (row.kind === "group") {
    return [
      { text: `group ${row.group.key}: ${plural(row.group.count, "connection")}`, color: "bold" },
      ...members.map((s) => ({ text: socketLine(s, false) })),
    ];
  }
  const s = row.socket as unknown as Record<string, unknown>;
  const keys = Object.keys(s).filter((k) => typeof s[k] !== "object" || s[k] === null);
  return [
    { text: "connection detail (esc: back)", color: "bold" },
    ...keys.map((k) => ({ text: `  ${k.padEnd(16)} ${String(s[k])}` })),
  ];
}

const HELP =
  "q quit  ↑↓ move  s/S sort  g/G group  / filter  space mark  c close (FIN)  x abort (RST)  enter detail  esc back";

/** The whole screen, `height` lines at most, each cut to `width`. */
export function screen(
  snapshot: Snapshot,
  rows: Row[],
  st: ViewState,
  width: number,
  height: number,
): Line[] {
  const head = headerLines(snapshot.header, snapshot, st);
  const foot: Line[] = [];
  if (st.confirm) {
    const what =
      st.confirm.mode === "abort" ? "abort (RST)" : "close gracefully (FIN, then abort after the grace)";
    foot.push({ text: `dry run: ${st.confirm.dryRun}`, color: "yellow" });
    foot.push({
      text: `${what} ${plural(st.confirm.count, "connection")}? y: yes  n: no`,
      color: "yellow",
      inverse: true,
    });
  } else if (st.editing !== undefined) {
    foot.push({ text: `filter: ${st.editing}▏ (enter: apply, esc: cancel)` });
  } else {
    foot.push({ text: st.message || " " });
  }
  foot.push({ text: HELP, color: "cyan" });
  const room = Math.max(1, height - head.length - foot.length - 1);
  let body: Line[];
  if (st.detail) body = detailLines(rows[st.cursor], st.members).slice(0, room + 1);
  else {
    const first = Math.max(0, Math.min(st.cursor - room + 1, rows.length - room));
    const start = Math.max(0, Math.min(first, st.cursor));
    body = [{ text: snapshot.query.group === "none" ? SOCKET_HEAD : GROUP_HEAD, color: "bold" }];
    rows.slice(start, start + room).forEach((row, i) => {
      const mark = isMarked(row, st.marked);
      const text = row.kind === "socket" ? socketLine(row.socket, mark) : groupLine(row.group, mark);
      const color = row.kind === "socket" ? stateColor(row.socket.state) : undefined;
      body.push({ text, color, inverse: start + i === st.cursor });
    });
    if (rows.length === 0) body.push({ text: "  no connection matches" });
  }
  return [...head, ...body, ...foot].slice(0, height).map((l) => ({ ...l, text: cut(l.text, width) }));
}
