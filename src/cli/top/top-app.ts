// The live view's ink component: refreshes the snapshot on an interval, reads keys, and draws the
// lines top-view makes. ink and React are loaded by the caller (they are ES modules with a
// top-level await that the CommonJS bundles cannot hold) and handed in.
import type * as Ink from "ink";
import type * as ReactNs from "react";
import type { TcpSocket } from "../../model/tcp-socket.js";
import { type CloseMode, type CloseOptions, close, describeSummary, dryRunClose } from "./top-actions.js";
import { GROUPS, type GroupBy, next, SORTS, type SortKey, socketKey } from "./top-model.js";
import type { Snapshot, TopSource } from "./top-source.js";
import { isMarked, type Row, rowsOf, screen, socketsOf, type ViewState } from "./top-view.js";

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

/** The asked interval, or longer when the last cycle's CPU time (ms) would pass the budget at it. */
export function nextDelay(askedMs: number, cycleCpuMs: number): number {
  const needed = cycleCpuMs / CPU_BUDGET;
  return needed <= askedMs ? askedMs : Math.ceil(needed / 1000) * 1000;
}

export function makeApp(ink: typeof Ink, React: React, config: TopConfig): () => ReactNs.ReactElement {
  const h = React.createElement;
  return function App() {
    const { exit } = ink.useApp();
    const { stdout } = ink.useStdout();
    const [snapshot, setSnapshot] = React.useState<Snapshot>(() => config.source.refresh());
    const [initial] = React.useState<ViewState>(() => ({
      sort: config.sort,
      group: config.group,
      filter: config.filter,
      editing: undefined,
      cursor: 0,
      marked: new Set<string>(),
      detail: false,
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
    const set = (patch: Partial<ViewState>) => {
      current.current = { ...current.current, ...patch };
      setSt(current.current);
    };
    /** A failed scan is shown and the last snapshot kept; the next tick tries again. */
    const refresh = () => {
      try {
        setSnapshot(config.source.refresh());
      } catch (err) {
        set({ message: `refresh failed: ${(err as Error).message}` });
      }
    };
    const pending = React.useRef<{ mode: CloseMode; sockets: TcpSocket[] } | undefined>(undefined);
    const busy = React.useRef(false);

    React.useEffect(() => {
      let timer: NodeJS.Timeout | undefined;
      let since = { cpu: process.cpuUsage(), at: performance.now() };
      const tick = () => {
        if (!busy.current) refresh();
        // The CPU of the last cycle (its refresh, render and owner walk) sets the next delay, so
        // that top stays within its budget on any table: a table too large for the asked interval
        // is refreshed less often, and the header says so.
        const used = process.cpuUsage(since.cpu);
        since = { cpu: process.cpuUsage(), at: performance.now() };
        const delay = nextDelay(config.intervalMs, (used.user + used.system) / 1000);
        if (delay !== current.current.intervalMs) set({ intervalMs: delay });
        timer = setTimeout(tick, delay);
      };
      timer = setTimeout(tick, config.intervalMs);
      return () => clearTimeout(timer);
    }, []);

    const rows = React.useMemo(() => rowsOf(snapshot, st), [snapshot, st.filter, st.group, st.sort]);
    const targets = (): TcpSocket[] => {
      const st = current.current;
      const marked = snapshot.sockets.filter((s) => st.marked.has(socketKey(s)));
      if (marked.length > 0) return marked;
      const row: Row | undefined = rows[st.cursor];
      return row ? socketsOf(row) : [];
    };

    const ask = (mode: CloseMode) => {
      const sockets = targets();
      if (sockets.length === 0) return set({ message: "nothing to close" });
      busy.current = true;
      // The owners walked a while ago may have changed: a graceful close needs the current holder.
      config.source.freshOwners(sockets);
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
      const on = !isMarked(row, marked);
      for (const s of socketsOf(row)) on ? marked.add(socketKey(s)) : marked.delete(socketKey(s));
      set({ marked, cursor: Math.min(st.cursor + 1, rows.length - 1) });
    };

    ink.useInput((input, key) => {
      const st = current.current;
      if (st.confirm) {
        if (input === "y") confirm(true);
        else if (input === "n" || key.escape) confirm(false);
        return;
      }
      if (st.editing !== undefined) {
        if (key.return) set({ filter: st.editing.trim(), editing: undefined, cursor: 0 });
        else if (key.escape) set({ editing: undefined });
        else if (key.backspace || key.delete) set({ editing: st.editing.slice(0, -1) });
        else if (input && !key.ctrl && !key.meta) set({ editing: st.editing + input });
        return;
      }
      const page = Math.max(1, (stdout.rows ?? 24) - 10);
      if (input === "q") exit();
      else if (key.upArrow || input === "k") set({ cursor: Math.max(0, st.cursor - 1) });
      else if (key.downArrow || input === "j") set({ cursor: Math.min(rows.length - 1, st.cursor + 1) });
      else if (key.pageDown) set({ cursor: Math.min(rows.length - 1, st.cursor + page) });
      else if (key.pageUp) set({ cursor: Math.max(0, st.cursor - page) });
      else if (input === "s" || input === "S")
        set({ sort: next(SORTS, st.sort, input === "s" ? 1 : -1), cursor: 0 });
      else if (input === "g" || input === "G")
        set({ group: next(GROUPS, st.group, input === "g" ? 1 : -1), cursor: 0 });
      else if (input.startsWith("/")) set({ editing: st.filter + input.slice(1) });
      else if (input === " ") toggleMark();
      else if (input === "c") ask("graceful");
      else if (input === "x") ask("abort");
      else if (key.return) set({ detail: !st.detail });
      else if (key.escape) set({ detail: false, marked: new Set(), message: "" });
    });

    const width = stdout.columns ?? 100;
    const height = stdout.rows ?? 24;
    const lines = screen(snapshot, rows, st, width, height);
    return h(
      ink.Box,
      { flexDirection: "column" },
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
