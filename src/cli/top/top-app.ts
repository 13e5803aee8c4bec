// The live view's ink component: refreshes the snapshot on an interval, reads keys, and draws the
// lines top-view makes. ink and React are loaded by the caller (they are ES modules with a
// top-level await that the CommonJS bundles cannot hold) and handed in.
import type * as Ink from "ink";
import type * as ReactNs from "react";
import type { TcpSocket } from "../../model/tcp-socket.js";
import { type CloseMode, type CloseOptions, close, describeSummary, dryRunClose } from "./top-actions.js";
import {
  GROUPS,
  type GroupBy,
  next,
  type Row,
  rowMark,
  SORTS,
  type SortKey,
  splitMarks,
} from "./top-model.js";
import type { Snapshot, TopQuery, TopSource } from "./top-source.js";
import { screen, type ViewState } from "./top-view.js";

export interface TopConfig {
  source: TopSource;
  intervalMs: number;
  sort: SortKey;
  group: GroupBy;
  filter: string;
  color: boolean;
  netns: string;
  close: CloseOptions;
}

type React = typeof ReactNs;

/** Share of one core top may use: 10%. */
export const CPU_BUDGET = 0.1;
/** The refresh is stretched only past half as much again: a safeguard for tables far larger than 100k sockets. */
const STRETCH_AT = 1.5 * CPU_BUDGET;
/** Cycles whose median CPU time decides: one owner walk now and then does not stretch the refresh. */
export const CYCLES_WEIGHED = 5;

/**
 * The asked interval, or a longer one that holds the budget when the cycles' median CPU time (ms)
 * would pass 15% of a core at the asked one.
 */
export function nextDelay(askedMs: number, cycleCpuMs: number): number {
  if (cycleCpuMs <= STRETCH_AT * askedMs) return askedMs;
  return Math.max(askedMs, Math.ceil(cycleCpuMs / CPU_BUDGET / 1000) * 1000);
}

/** The median of the last cycles' CPU times. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] as number);
}

/** Rows a refresh keeps at first: a tall terminal's screenful and a few pages to move in. */
export const FIRST_LIMIT = 200;

const queryOf = (st: ViewState): TopQuery => ({
  sort: st.sort,
  group: st.group,
  filter: st.filter,
  limit: st.limit,
});

export function makeApp(ink: typeof Ink, React: React, config: TopConfig): () => ReactNs.ReactElement {
  const h = React.createElement;
  return function App() {
    const { exit } = ink.useApp();
    const { stdout } = ink.useStdout();
    const [initial] = React.useState<ViewState>(() => ({
      sort: config.sort,
      group: config.group,
      filter: config.filter,
      editing: undefined,
      cursor: 0,
      marked: new Set<string>(),
      detail: false,
      members: [],
      limit: FIRST_LIMIT,
      confirm: undefined,
      message: "",
      intervalMs: config.intervalMs,
      askedMs: config.intervalMs,
      netns: config.netns,
    }));
    // Keys can arrive faster than renders: handlers read and write the latest state through a ref,
    // never the state of the render that created them.
    const current = React.useRef(initial);
    const [st, setSt] = React.useState(initial);
    const [snapshot, setSnapshot] = React.useState<Snapshot>(() => config.source.refresh(queryOf(initial)));
    const latest = React.useRef(snapshot);
    const set = (patch: Partial<ViewState>) => {
      current.current = { ...current.current, ...patch };
      setSt(current.current);
    };
    /** A failed scan is shown and the last snapshot kept; the next tick tries again. */
    const refresh = () => {
      try {
        latest.current = config.source.refresh(queryOf(current.current));
        setSnapshot(latest.current);
      } catch (err) {
        set({ message: `refresh failed: ${(err as Error).message}` });
      }
    };
    /** A new order, grouping or filter: the rows are read again at once, from the first. */
    const requery = (patch: Partial<ViewState>) => {
      set({ ...patch, cursor: 0, limit: FIRST_LIMIT });
      refresh();
    };
    /** Moves the cursor; near the last row kept, the next refresh keeps twice as many, now. */
    const moveTo = (cursor: number) => {
      const snap = latest.current;
      const c = Math.max(0, Math.min(cursor, snap.rowCount - 1));
      const page = (stdout.rows ?? 24) * 2;
      if (c + page >= snap.rows.length && snap.rows.length < snap.rowCount) {
        set({ cursor: c, limit: Math.max(current.current.limit * 2, c + page * 2) });
        refresh();
      } else set({ cursor: Math.max(0, Math.min(c, snap.rows.length - 1)) });
    };
    const pending = React.useRef<{ mode: CloseMode; sockets: TcpSocket[] } | undefined>(undefined);
    const busy = React.useRef(false);

    React.useEffect(() => {
      let timer: NodeJS.Timeout | undefined;
      let since = process.cpuUsage();
      const cycles: number[] = [];
      const tick = () => {
        if (!busy.current) refresh();
        // The CPU of the last cycles (refresh, render, an owner walk) may stretch the next delay: a
        // table far too large for the asked interval is refreshed less often, and the header says so.
        const used = process.cpuUsage(since);
        since = process.cpuUsage();
        cycles.push((used.user + used.system) / 1000);
        if (cycles.length > CYCLES_WEIGHED) cycles.shift();
        const delay = nextDelay(config.intervalMs, median(cycles));
        if (delay !== current.current.intervalMs) set({ intervalMs: delay });
        timer = setTimeout(tick, delay);
      };
      timer = setTimeout(tick, config.intervalMs);
      return () => clearTimeout(timer);
    }, []);

    const rows = snapshot.rows;
    /** What closing acts on: the marked rows, else the row under the cursor (a group: all its members). */
    const targets = (): TcpSocket[] => {
      const st = current.current;
      const filter = latest.current.query.filter;
      if (st.marked.size > 0) {
        const { sockets, groups } = splitMarks(st.marked);
        return config.source.pick({ sockets, groups, filter, fresh: true });
      }
      const row: Row | undefined = rows[st.cursor];
      if (!row) return [];
      if (row.kind === "group")
        return config.source.pick({
          groups: new Map([[row.group.by, new Set([row.group.key])]]),
          filter,
          fresh: true,
        });
      const sockets = [row.socket];
      // The owners walked a while ago may have changed: a graceful close needs the current holder.
      config.source.freshOwners(sockets);
      return sockets;
    };

    const ask = (mode: CloseMode) => {
      let sockets: TcpSocket[];
      try {
        sockets = targets();
      } catch (err) {
        return set({ message: `reading the connections failed: ${(err as Error).message}` });
      }
      if (sockets.length === 0) return set({ message: "nothing to close" });
      busy.current = true;
      dryRunClose(sockets, mode, config.close).then(
        (summary) => {
          pending.current = { mode, sockets };
          set({ confirm: { mode, count: sockets.length, dryRun: describeSummary(summary, true) } });
        },
        (err: unknown) => {
          busy.current = false;
          set({ message: `dry run failed: ${(err as Error).message}` });
        },
      );
    };

    const confirm = (yes: boolean) => {
      const p = pending.current;
      pending.current = undefined;
      set({ confirm: undefined, message: yes ? "closing…" : "nothing closed" });
      if (!yes || !p) {
        busy.current = false;
        return;
      }
      close(p.sockets, p.mode, config.close)
        .then(
          (summary) => set({ message: describeSummary(summary, false), marked: new Set() }),
          (err: unknown) => set({ message: `close failed: ${(err as Error).message}` }),
        )
        .finally(() => {
          busy.current = false;
          refresh();
        });
    };

    const toggleMark = () => {
      const st = current.current;
      const row = rows[st.cursor];
      if (!row) return;
      const marked = new Set(st.marked);
      const mark = rowMark(row);
      marked.has(mark) ? marked.delete(mark) : marked.add(mark);
      set({ marked });
      moveTo(st.cursor + 1);
    };

    /** Opens or closes the detail view; a group's shows its first members, read now. */
    const toggleDetail = () => {
      const st = current.current;
      const row = rows[st.cursor];
      if (st.detail || row?.kind !== "group") return set({ detail: !st.detail, members: [] });
      const groups = new Map([[row.group.by, new Set([row.group.key])]]);
      set({
        detail: true,
        members: config.source.pick({ groups, filter: latest.current.query.filter, limit: 50 }),
      });
    };

    const onKey = (input: string, key: Ink.Key): void => {
      const st = current.current;
      // Keys typed while a refresh ran arrive as one chunk ("  ", "jjj"): each is a key of its own.
      if (!st.confirm && st.editing === undefined && input.length > 1 && !input.startsWith("/")) {
        for (const ch of input) onKey(ch, key);
        return;
      }
      if (st.confirm) {
        if (input === "y") confirm(true);
        else if (input === "n" || key.escape) confirm(false);
        return;
      }
      if (st.editing !== undefined) {
        if (key.return) requery({ filter: st.editing.trim(), editing: undefined });
        else if (key.escape) set({ editing: undefined });
        else if (key.backspace || key.delete) set({ editing: st.editing.slice(0, -1) });
        else if (input && !key.ctrl && !key.meta) set({ editing: st.editing + input });
        return;
      }
      const page = Math.max(1, (stdout.rows ?? 24) - 10);
      if (input === "q") exit();
      else if (key.upArrow || input === "k") moveTo(st.cursor - 1);
      else if (key.downArrow || input === "j") moveTo(st.cursor + 1);
      else if (key.pageDown) moveTo(st.cursor + page);
      else if (key.pageUp) moveTo(st.cursor - page);
      else if (input === "s" || input === "S")
        requery({ sort: next(SORTS, st.sort, input === "s" ? 1 : -1) });
      else if (input === "g" || input === "G")
        requery({ group: next(GROUPS, st.group, input === "g" ? 1 : -1), detail: false });
      else if (input.startsWith("/")) set({ editing: st.filter + input.slice(1) });
      else if (input === " ") toggleMark();
      else if (input === "c") ask("graceful");
      else if (input === "x") ask("abort");
      else if (key.return) toggleDetail();
      else if (key.escape) set({ detail: false, marked: new Set(), message: "" });
    };
    ink.useInput(onKey);

    const width = stdout.columns ?? 100;
    const height = stdout.rows ?? 24;
    const lines = screen(snapshot, rows, st, width, height);
    // ink lays every frame out on a grid of cells as wide as its box: no wider than the longest line.
    const widest = lines.reduce((w, l) => Math.max(w, l.text.length), 1);
    return h(
      ink.Box,
      { flexDirection: "column", width: Math.min(width, widest) },
      ...lines.map((l, i) =>
        h(
          ink.Text,
          {
            key: i,
            wrap: "truncate-end",
            inverse: l.inverse === true,
            ...(config.color && l.color && l.color !== "bold" ? { color: l.color } : {}),
            bold: l.color === "bold",
          },
          l.text,
        ),
      ),
    );
  };
}
