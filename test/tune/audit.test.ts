import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { resolveNetns } from "../../src/kernel/netns.js";
import { audit, formatAudit } from "../../src/tune/audit.js";
import { ProcSys } from "../../src/tune/proc-sys.js";
import { loadProfile } from "../../src/tune/profile.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const fixture = join(import.meta.dirname, "..", "fixtures", "conns.mjs");

test("audit of a namespace: its own values, the profile's, scope, meaning and keepalive coverage", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    ns.exec("sysctl", ["-qw", "net.ipv4.tcp_keepalive_time=400"]);
    await ns.spawnFixture(fixture, [JSON.stringify({ idle: 2, keepalive: 1 })]);
    const report = audit({
      procSys: new ProcSys("/proc/sys", resolveNetns(ns.path)),
      profile: loadProfile("fast-release"),
    });
    const row = (k: string) => report.rows.find((r) => r.key === k);
    assert.equal(row("net.ipv4.tcp_keepalive_time")?.value, "400");
    assert.equal(row("net.ipv4.tcp_keepalive_time")?.profileValue, "60");
    assert.equal(row("net.ipv4.tcp_keepalive_time")?.scope, "netns");
    assert.equal(
      row("net.ipv4.tcp_keepalive_time")?.meaning,
      "a dead idle peer of a socket with keepalive is found after 400 + 75 × 9 = 1075 s (17 min 55 s)",
    );
    assert.equal(row("fs.nr_open")?.scope, "global");
    assert.match(row("net.ipv4.tcp_retries2")?.meaning ?? "", /~924\.6 s/);
    // Three loopback connections: six established sockets, one (a client) with keepalive armed.
    assert.deepEqual(report.keepalive, { established: 6, withKeepalive: 1, share: 1 / 6 });
    assert.ok(report.warnings.some((w) => /5 of 6 established sockets have no keepalive/.test(w)));
    assert.ok(report.warnings.some((w) => /AWS NLB \/ NAT gateway 350 s/.test(w)));
    const text = formatAudit(report);
    assert.match(text, /net\.ipv4\.tcp_keepalive_time\s+400 → 60\s+\[netns\]/);
    assert.match(text, /1 of 6 established sockets \(16\.7%\) have keepalive armed/);
  });
});
