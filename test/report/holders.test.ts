// Sockets held by more than one descriptor, and descriptors of closed connections, as `status`
// reports them: real servers (test/fixtures/holders.py) in a test namespace.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import type { NetnsStatus, StatusReport } from "../../src/report/status-report.js";
import { runCli } from "../helpers/cli.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";

const SERVER = new URL("../fixtures/holders.py", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  fds?: number[] | number[][];
  child?: number;
  children?: number[];
}

/** Starts the Python fixture in `ns`; returns its ready line and a stop function. */
async function server(
  ns: TestNetns,
  mode: string,
  count: number,
): Promise<Ready & { stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    "ip",
    ["netns", "exec", ns.name, "python3", SERVER, mode, String(count)],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} fixture did not answer within 20s`)), 20_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    exited.then(() => reject(new Error(`${mode} fixture exited (${child.exitCode})`)), reject);
  });
  const ready = JSON.parse(await first) as Ready;
  return {
    ...ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

async function statusOf(ns: TestNetns): Promise<{ st: NetnsStatus; report: StatusReport }> {
  const r = await runCli(["status", "--netns", ns.name, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as StatusReport;
  const st = report.namespaces[0];
  assert.ok(st?.holders, "the report has the holders section");
  return { st, report };
}

test("status names kept duplicates, inherited descriptors, and leaves a pre-fork listener alone", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "python3")) return;
  await withNetns(async (ns) => {
    const dup = await server(ns, "dup", 2);
    const inherit = await server(ns, "inherit", 3);
    const prefork = await server(ns, "prefork", 2);
    try {
      const { st, report } = await statusOf(ns);
      const h = st.holders;
      assert.ok(h);
      const byServer = (port: number) => h.shared.sockets.filter((s) => s.local.endsWith(`:${port}`));

      const dups = byServer(dup.port);
      assert.equal(dups.length, 2);
      for (const s of dups) {
        assert.equal(s.kind, "same-process");
        assert.equal(s.state, "established");
        assert.deepEqual(
          s.holders.map((x) => x.pid),
          [dup.pid, dup.pid],
        );
      }
      const dupFds = (dup.fds as number[][]).map((pair) => [...pair].sort((a, b) => a - b));
      assert.deepEqual(
        dups.map((s) => s.holders.map((x) => x.fd)).sort((a, b) => (a[0] as number) - (b[0] as number)),
        dupFds,
        "both descriptors of each connection are named",
      );

      const inherited = byServer(inherit.port);
      assert.equal(inherited.length, 3);
      for (const s of inherited) {
        assert.equal(s.kind, "cross-process");
        assert.deepEqual(
          s.holders.map((x) => [x.pid, x.command]),
          [
            [inherit.pid, "python3"],
            [inherit.child, "sleep"],
          ],
        );
        assert.equal(s.holders[0]?.fd, s.holders[1]?.fd, "the child has the same descriptor number");
      }

      assert.equal(byServer(prefork.port).length, 0, "pre-fork workers' connections have one holder each");
      assert.equal(h.shared.sharedListeners, 1, "the pre-fork listener is seen as shared and not flagged");
      assert.equal(h.shared.total, 5);
      assert.deepEqual([h.shared.sameProcess, h.shared.crossProcess], [2, 3]);
      assert.equal(h.closedHeld.total, 0);

      const ids = report.findings.map((f) => f.id);
      assert.ok(ids.includes("shared-socket-same-process"), ids.join());
      assert.ok(ids.includes("shared-socket-cross-process"), ids.join());
      const cross = report.findings.find((f) => f.id === "shared-socket-cross-process");
      assert.match(cross?.message ?? "", new RegExp(`python3/${inherit.pid} fd .*sleep/${inherit.child} fd`));
      assert.equal(cross?.severity, "info", "fresh and active: worth knowing, not yet a leak");
      assert.ok(!report.findings.some((f) => f.message.includes(`:${prefork.port}`)));

      const text = await runCli(["status", "--netns", ns.name]);
      assert.match(
        text.stdout,
        /shared +5 connection\(s\) held by more than one descriptor \(same process 2, across processes 3\); 1 shared listener/,
      );

      const ls = await runCli(["ls", "--netns", ns.name, "--holders-over", "1", "--json"]);
      assert.equal(ls.code, 0, ls.stderr);
      const listed = JSON.parse(ls.stdout) as { localPort: number; holders: number; pid: number }[];
      assert.deepEqual(
        listed.map((s) => [s.localPort, s.holders]).sort((a, b) => (a[0] as number) - (b[0] as number)),
        [...Array(2).fill([dup.port, 2]), ...Array(3).fill([inherit.port, 2])].sort((a, b) => a[0] - b[0]),
        "--holders-over 1 lists exactly the shared connections",
      );
      const all = await runCli(["ls", "--netns", ns.name, "--state", "all", "--json"]);
      const listener = (
        JSON.parse(all.stdout) as { localPort: number; state: string; holders: number }[]
      ).find((s) => s.localPort === prefork.port && s.state === "listen");
      assert.equal(listener?.holders, 3, "ls --json (the WebAssembly writer) counts every holder");
    } finally {
      await Promise.all([dup.stop(), inherit.stop(), prefork.stop()]);
    }
  });
});

test("kill on a shared connection says the close works for every holder and what each still keeps", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "python3")) return;
  await withNetns(async (ns) => {
    const inherit = await server(ns, "inherit", 1);
    try {
      const args = [
        "kill",
        "--netns",
        ns.name,
        "--sport",
        String(inherit.port),
        "--pid",
        String(inherit.pid),
      ];
      const plan = await runCli(args);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /1 connection\(s\) are held by more than one descriptor/);
      assert.match(plan.stdout, new RegExp(`python3/${inherit.pid} fd \\d+, sleep/${inherit.child} fd \\d+`));
      const done = await runCli([...args, "--yes", "--grace", "0"]);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /closed the connection for every holder/);
      const ss = ns.exec("ss", ["-tanH", `sport = :${inherit.port}`]);
      assert.doesNotMatch(ss, /ESTAB/, "the shutdown went through one descriptor and closed the connection");
    } finally {
      await inherit.stop();
    }
  });
});

test("a CLOSE_WAIT leak stays in view after a graceful kill: the process still holds the descriptors", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "python3")) return;
  await withNetns(async (ns) => {
    const leak = await server(ns, "close-wait", 4);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const before = await statusOf(ns);
      assert.equal(before.st.closeWait.total, 4);
      const kill = await runCli([
        "kill",
        "--netns",
        ns.name,
        "--state",
        "close-wait",
        "--pid",
        String(leak.pid),
        "--yes",
      ]);
      assert.equal(kill.code, 0, kill.stderr);
      // The peers' last ACK arrives at once on loopback; give the sockets a moment to reach CLOSE.
      let after = await statusOf(ns);
      for (let i = 0; i < 20 && (after.st.holders?.closedHeld.total ?? 0) < 4; i++) {
        await new Promise((r) => setTimeout(r, 250));
        after = await statusOf(ns);
      }
      assert.equal(
        after.st.closeWait.total,
        0,
        `the kernel's table no longer lists them; kill said: ${kill.stdout}`,
      );
      const held = after.st.holders?.closedHeld;
      assert.equal(held?.total, 4);
      assert.deepEqual(
        held?.byProcess.map((p) => [p.pid, p.command, p.count, p.fds]),
        [[leak.pid, "python3", 4, [...(leak.fds as number[])].sort((a, b) => a - b)]],
      );
      const finding = after.report.findings.find((f) => f.id === "closed-socket-held");
      assert.match(
        finding?.message ?? "",
        new RegExp(`python3/${leak.pid} holds 4 descriptor\\(s\\) of TCP connections already closed`),
      );
      assert.match(finding?.message ?? "", /fix it to close\(\) them, or restart it/);
      const text = await runCli(["status", "--netns", ns.name]);
      assert.match(
        text.stdout,
        new RegExp(`closed, held +4 descriptor\\(s\\) of closed TCP connections: python3/${leak.pid} 4`),
      );
    } finally {
      await leak.stop();
    }
  });
});
