// `idlereap top` in a real terminal: tmux runs it, send-keys drives it, capture-pane reads the
// screen. Sort, filter, group, close with confirmation on a namespace of test connections, and the
// terminal given back after q, Ctrl-C and SIGTERM.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;
const SERVER = `irt-top-${process.pid}`;

function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Skips without tmux (Debian package tmux), or fails when privileged tests are required. */
function needsTmux(t: { skip(reason: string): void }): boolean {
  if (hasTmux()) return true;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1")
    throw new Error("tmux is required (apt-get install tmux)");
  t.skip("needs tmux (Debian package tmux)");
  return false;
}

/** Stops the test's tmux server and removes its socket file, which tmux may leave behind. */
function stopTmux(): void {
  try {
    tmux("kill-server");
  } catch {}
  rmSync(`${process.env.TMUX_TMPDIR ?? "/tmp"}/tmux-${process.getuid?.()}/${SERVER}`, { force: true });
}

const tmux = (...args: string[]) => execFileSync("tmux", ["-L", SERVER, ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", "top");
/** Types keys one at a time, as a person does (a burst arrives as one chunk of input). */
async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux("send-keys", "-t", "top", key);
    await new Promise((r) => setTimeout(r, 120));
  }
}

async function until(what: string, test: (s: string) => boolean, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let s = "";
  while (Date.now() < end) {
    s = screen();
    if (test(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never showed ${what}:\n${s}`);
}

/** Starts top in a tmux session; the shell prints EXITED <code> when it ends and stays for reading. */
async function startTop(ns: TestNetns, ...args: string[]): Promise<void> {
  const cmd = `${process.execPath} --import tsx ${CLI} top --netns ${ns.name} --interval 300ms ${args.join(" ")}; echo EXITED $?; sleep 60`;
  tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "40", cmd);
  await until("the header", (s) => s.includes("idlereap top ·") && /\d+ sockets/.test(s));
}

/** The pane's terminal is back to normal: main screen, cursor shown, the exit code printed. */
async function assertRestored(code: number): Promise<void> {
  const s = await until("EXITED", (x) => x.includes("EXITED"));
  assert.match(s, new RegExp(`EXITED ${code}`));
  assert.doesNotMatch(s, /idlereap top ·/, "the alternate screen is gone");
  assert.equal(tmux("display", "-p", "-t", "top", "#{alternate_on} #{cursor_flag}").trim(), "0 1");
}

const rowsOf = (s: string) =>
  s.split("\n").filter((l) => /^[ *] (established|close-wait|fin-wait-2) /.test(l));

test("top: sort, filter, group, and close with confirmation, in tmux", async (t) => {
  if (!needsPrivilege(t) || !needsTmux(t)) return;
  await withNetns(async (ns) => {
    const a = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 2, closeWait: 2 })]);
    const b = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 1 })]);
    try {
      await startTop(ns);
      let s = await until("the connections", (x) => rowsOf(x).length === 4 + 2 + 2 + 2);
      assert.match(s, /states +established 6 {2}close-wait 2 {2}fin-wait-2 2/);
      assert.match(s, /keepalive +0\/6 established armed/);
      assert.match(s, /idle +≤1s .*█ 6 /, "the six established ends in one bucket, a full bar");

      await keys("s"); // idle -> state
      s = await until("sort state", (x) => x.includes("sort state"));
      const states = rowsOf(s).map((l) => l.split(/\s+/)[1]);
      assert.deepEqual(states, [...states].sort(), "rows in state order");

      await keys("/", "close-wait", "Enter");
      s = await until("the filter", (x) => x.includes('filter "close-wait"') && rowsOf(x).length === 2);
      assert.ok(rowsOf(s).every((l) => l.includes("close-wait")));
      assert.ok(
        rowsOf(s).every((l) => l.includes(`node/${a.pid}`)),
        "held by the leaky process",
      );

      await keys(
        "/",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "BSpace",
        "Enter",
      );
      await keys("g"); // none -> process
      s = await until("groups by process", (x) => x.includes("group process") && x.includes(`node/${b.pid}`));
      const groupLine = (pid: number) => s.split("\n").find((l) => l.includes(`node/${pid}`)) ?? "";
      assert.match(groupLine(a.pid), new RegExp(`node/${a.pid} +8 `), "4 idle + 2 close-wait + 2 fin-wait-2");
      assert.match(groupLine(b.pid), new RegExp(`node/${b.pid} +2 `));

      await keys("G", "/", "close-wait", "Enter"); // back to single connections, CLOSE_WAIT only
      await until("close-wait rows", (x) => x.includes("group none") && rowsOf(x).length === 2);
      await keys("Space", "Space"); // mark both (the cursor moves down after each mark)
      await until("two marked rows", (x) => rowsOf(x).filter((l) => l.startsWith("*")).length === 2);
      await keys("c");
      s = await until("the confirmation", (x) => x.includes("y: yes"));
      assert.match(s, /dry run: matched 2, would act on 2/);
      assert.match(s, /close gracefully \(FIN.*\) 2 connections\? y: yes {2}n: no/);
      assert.equal(
        ns.exec("ss", ["-tanH", "state", "close-wait"]).trim().split("\n").length,
        2,
        "nothing closed yet",
      );

      await keys("y");
      // The leaky process never closes its side: the connections are freed, its descriptors held.
      s = await until("the outcome", (x) => /closed but descriptor still held by the application 2/.test(x));
      assert.match(
        s,
        /matched 2, closed gracefully 0, escalated 0, aborted 0, closed but descriptor still held by the application 2, skipped 0/,
      );
      assert.equal(ns.exec("ss", ["-tanH", "state", "close-wait"]).trim(), "", "the leaks are closed");
      await until("the rows gone", (x) => rowsOf(x).length === 0);

      await keys("q");
      await assertRestored(0);
    } finally {
      stopTmux();
    }
  });
});

test("top gives the terminal back after Ctrl-C and SIGTERM", async (t) => {
  if (!needsPrivilege(t) || !needsTmux(t)) return;
  await withNetns(async (ns) => {
    try {
      await startTop(ns);
      await keys("C-c");
      await assertRestored(0);
      tmux("kill-server");

      await startTop(ns);
      const shell = tmux("display", "-p", "-t", "top", "#{pane_pid}").trim();
      const pid = execFileSync("pgrep", ["-P", shell], { encoding: "utf8" }).trim().split("\n")[0] as string;
      process.kill(Number(pid), "SIGTERM");
      await assertRestored(0);
    } finally {
      stopTmux();
    }
  });
});

test("top without a terminal says so and exits 2", async () => {
  const r = await runCli(["top"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /top needs a terminal.*idlereap ls/);
  const bad = await runCli(["top", "--group", "planet"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--group: "planet" is not one of none, process, cgroup, port, remote/);
});
