// idlereap top's running cost against the thing a user runs instead, `watch -n2 'ss -tin | wc -l'`:
// both run in a real terminal (tmux) on the same farm of 100k sockets, refreshing every 2 s, and
// each one's CPU time (its own and its reaped children's, from /proc/PID/stat) over the same
// steady-state window is printed as a share of one core. Target: top at most 10% of one core.
// Run after `npm run build` (it measures the bundled CLI, as installed): npx tsx bench/top.ts
// BENCH_CONNECTIONS (default 50000 = 100k sockets) and BENCH_SECONDS (default 120) change the size.
// The refresh must hold 2 s: top stretches it only on tables far larger than this one (the header
// would say `every 3s (not 2s: …)`), so the interval its header shows at the end is printed too.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 120);
const WARMUP_MS = 6_000;
const BIN = fileURLToPath(new URL("../bin/idlereap.cjs", import.meta.url));
const SERVER = `irbench-top-${process.pid}`;
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SERVER, ...args], { encoding: "utf8" });

/** CPU seconds of a process and its reaped children (utime, stime, cutime, cstime). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14-17 of proc(5), counted from after the command name (which starts at field 3).
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / TICKS;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the pane's first line has changed `times` times (top's header carries the time). */
async function refreshes(name: string, times: number): Promise<void> {
  let last = "";
  for (let seen = -1; seen < times; ) {
    const head = tmux("capture-pane", "-p", "-t", name).split("\n")[0] ?? "";
    if (head !== last && head.includes("idlereap top")) {
      seen++;
      last = head;
    }
    await sleep(200);
  }
}

/**
 * Runs `command` in a 200x50 tmux pane and returns its share of one core over the window, which
 * starts after `ready` (top: two refreshes after the first screen, so that its start-up and first
 * owner walk are left out, as is watch's first run).
 */
async function coreShare(
  name: string,
  command: string,
  ready: () => Promise<void>,
): Promise<{ share: number; screen: string }> {
  tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50", `exec ${command}`);
  try {
    const pid = Number(tmux("display", "-p", "-t", name, "#{pane_pid}").trim());
    await ready();
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const share = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
    return { share, screen: tmux("capture-pane", "-p", "-t", name) };
  } finally {
    tmux("kill-session", "-t", name);
  }
}

const ns = createNetns("irbench");
try {
  const farm = await buildFarm({
    connections: CONNECTIONS,
    processes: Math.ceil(CONNECTIONS / 9000),
    netns: ns.name,
    // Building 100k sockets on a busy machine can take minutes.
    timeoutMs: 300_000,
  });
  try {
    await sleep(3000);
    const top = await coreShare(
      "top",
      `${process.execPath} ${BIN} top --netns ${ns.name} --interval 2s`,
      () => refreshes("top", 2),
    );
    const watch = await coreShare("watch", `ip netns exec ${ns.name} watch -n2 'ss -tin | wc -l'`, () =>
      sleep(WARMUP_MS),
    );
    const header = top.screen.split("\n")[0] ?? "";
    if (!header.includes("idlereap top")) throw new Error(`top did not run:\n${top.screen}`);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(
      `farm: ${farm.sockets} sockets in ${farm.pids.length} processes; ${SECONDS} s window (top: after its second refresh; watch: after ${WARMUP_MS / 1000} s)`,
    );
    console.log(`top screen: ${header.trim()}`);
    const held = / every (\S+)( \(not [^)]*\))?/.exec(header);
    console.log(`top refresh interval held: ${held ? `${held[1]}${held[2] ?? ""}` : "?"} (asked 2s)`);
    console.log(
      `watch screen: ${(watch.screen.split("\n").find((l) => /^\d+$/.test(l.trim())) ?? "?").trim()} lines`,
    );
    console.log(
      `idlereap top --interval 2s  ${pct(top.share).padStart(6)} of one core vs watch -n2 'ss -tin | wc -l' ${pct(watch.share).padStart(6)}  ratio ${(top.share / watch.share).toFixed(2)}  (target: top <= 10%) ${top.share <= 0.1 ? "ok" : "MISSED"}`,
    );
  } finally {
    await farm.close();
  }
} finally {
  try {
    tmux("kill-server");
  } catch {}
  rmSync(`${process.env.TMUX_TMPDIR ?? "/tmp"}/tmux-${process.getuid?.()}/${SERVER}`, { force: true });
  await destroyNetns(ns);
}
