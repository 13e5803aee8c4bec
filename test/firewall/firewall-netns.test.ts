// Real nft and conntrack inside throwaway namespaces: timeouts of new and existing flows, other
// tables untouched, and the host's ruleset compared before and after.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { parseConntrackList } from "../../src/firewall/conntrack.js";
import { applyFirewall, firewallStatus, removeFirewall } from "../../src/firewall/firewall.js";
import { runCli as run } from "../helpers/cli.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";

const fixture = join(import.meta.dirname, "..", "fixtures", "conns.mjs");

const hostRuleset = () => execFileSync("nft", ["list", "ruleset"], { encoding: "utf8" });

/** A table of someone else's that also turns conntrack on in the namespace before idlereap runs. */
function addOtherTable(ns: TestNetns): string {
  ns.exec("nft", ["add", "table", "inet", "other"]);
  ns.exec("nft", [
    "add",
    "chain",
    "inet",
    "other",
    "c",
    "{ type filter hook output priority 0; policy accept; }",
  ]);
  ns.exec("nft", ["add", "rule", "inet", "other", "c", "ct", "state", "established", "accept"]);
  return ns.exec("nft", ["list", "table", "inet", "other"]);
}

function flows(ns: TestNetns, port: number, family: "ipv4" | "ipv6" = "ipv4") {
  const args = [
    "netns",
    "exec",
    ns.name,
    "conntrack",
    "-L",
    "-f",
    family,
    "-p",
    "tcp",
    "--dport",
    String(port),
  ];
  const out = execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return parseConntrackList(out, family);
}

test("apply sets the asked timeout on existing and new flows; status; remove leaves other tables", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft", "conntrack")) return;
  const before = hostRuleset();
  await withNetns(async (ns) => {
    const other = addOtherTable(ns);
    await ns.spawnFixture(fixture, [JSON.stringify({ port: 8080, idle: 1, closeWait: 1 })]);
    await new Promise((r) => setTimeout(r, 100));
    const old = flows(ns, 8080);
    assert.deepEqual(old.map((f) => f.state).sort(), ["CLOSE_WAIT", "ESTABLISHED"]);
    assert.ok((old.find((f) => f.state === "ESTABLISHED")?.timeout ?? 0) > 400_000);

    const ports = [8080, 8081].map((port) => ({ port, established: 45, closeWait: 7 }));
    const dry = applyFirewall({ ports, yes: false, netnsPath: ns.path });
    assert.equal(dry.applied, false);
    assert.equal(dry.commands.length, 3, "one nft script and two conntrack updates");
    assert.equal(ns.exec("nft", ["list", "ruleset"]), other, "a dry run changes nothing");

    const res = applyFirewall({ ports, yes: true, netnsPath: ns.path });
    assert.deepEqual(res.updates.map((u) => [u.flow.state, u.to, u.ok]).sort(), [
      ["CLOSE_WAIT", 7, true],
      ["ESTABLISHED", 45, true],
    ]);
    assert.match(res.warning, /dropped silently/);
    for (const f of flows(ns, 8080))
      assert.ok(f.timeout <= (f.state === "ESTABLISHED" ? 45 : 7), JSON.stringify(f));

    const ruleset = ns.exec("nft", ["list", "ruleset"]);
    assert.match(
      ruleset,
      /ct timeout port-8080 \{\n\s+protocol tcp\n\s+l3proto ip\n\s+policy = \{ established : 45, close_wait : 7 \}/,
    );
    assert.match(ruleset, /tcp dport 8081 ct timeout set "port-8081-v6"/);
    assert.equal(ns.exec("nft", ["list", "table", "inet", "other"]), other, "the other table is untouched");

    // A flow created after apply carries the policy from its first packet (here over IPv6).
    await ns.spawnFixture(fixture, [JSON.stringify({ port: 8081, host: "::1", idle: 1 })]);
    const fresh = flows(ns, 8081, "ipv6").filter((f) => f.state === "ESTABLISHED");
    assert.equal(fresh.length, 1);
    assert.ok((fresh[0]?.timeout ?? 0) <= 45 && (fresh[0]?.timeout ?? 0) > 40, JSON.stringify(fresh));

    // Applying another port keeps the ones installed before.
    applyFirewall({
      ports: [{ port: 9000, established: 120, closeWait: 10 }],
      yes: true,
      netnsPath: ns.path,
    });
    const status = firewallStatus({ netnsPath: ns.path });
    assert.equal(status.installed, true);
    assert.deepEqual(
      status.ports.map((p) => [p.port, p.established, p.flows.length]),
      [
        [8080, 45, 2],
        [8081, 45, 1],
        [9000, 120, 0],
      ],
    );

    assert.equal(removeFirewall({ netnsPath: ns.path, yes: false }).removed, false);
    assert.match(ns.exec("nft", ["list", "tables"]), /idlereap/);
    assert.equal(removeFirewall({ netnsPath: ns.path, yes: true }).removed, true);
    assert.equal(ns.exec("nft", ["list", "ruleset"]), other, "only idlereap's table was removed");
    assert.equal(firewallStatus({ netnsPath: ns.path }).installed, false);
  });
  assert.equal(hostRuleset(), before, "the host's ruleset is untouched");
});

test("firewall CLI: bad flags exit 2; without --yes nothing changes", async (t) => {
  const bad = await run(["firewall", "apply", "--port", "99999"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port: "99999" is not a port \(1-65535\) \[IDLEREAP_ERR_CLI_USAGE\]/);
  const dur = await run(["firewall", "apply", "--port", "8080", "--established", "1500ms"]);
  assert.equal(dur.code, 2);
  assert.match(dur.stderr, /--established: 1500ms must be a whole number of seconds/);
  const missing = await run(["firewall", "apply"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--port <port>' not specified/);
  if (!needsPrivilege(t) || !needsTools(t, "nft", "conntrack")) return;
  await withNetns(async (ns) => {
    const dry = await run([
      "firewall",
      "apply",
      "--port",
      "8080,8443",
      "--established",
      "1m",
      "--netns",
      ns.name,
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /would run:\nnsenter --net=\/run\/netns\/\S+ -- nft -f - <<'EOF'\ntable inet idlereap\n/,
    );
    assert.match(dry.stdout, /established: 60, close_wait: 10/);
    assert.match(dry.stdout, /warning: an expired flow is dropped silently/);
    assert.equal(ns.exec("nft", ["list", "ruleset"]), "");

    const wet = await run(["firewall", "apply", "--port", "8080", "--netns", ns.name, "--yes"]);
    assert.equal(wet.code, 0, wet.stderr);
    const st = await run(["firewall", "status", "--netns", ns.name]);
    assert.match(st.stdout, /port 8080: established 60s, close_wait 10s, 0 flow\(s\)/);
    const rm = await run(["firewall", "remove", "--netns", ns.name]);
    assert.match(rm.stdout, /would run: .*nft delete table inet idlereap/);
    assert.match(ns.exec("nft", ["list", "tables"]), /idlereap/);
    await run(["firewall", "remove", "--netns", ns.name, "--yes"]);
    assert.equal(ns.exec("nft", ["list", "ruleset"]), "");
  });
});

test("apply says the truth about flows that predate the table: their next packet restores the default", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    addOtherTable(ns);
    // An active connection sends every 50 ms: its entry's default policy shows again at once.
    await ns.spawnFixture(fixture, [JSON.stringify({ port: 8080, active: 1 })]);
    await new Promise((r) => setTimeout(r, 100));
    const r = await run([
      "firewall",
      "apply",
      "--port",
      "8080",
      "--established",
      "45s",
      "--netns",
      ns.name,
      "--yes",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /shortened/);
    assert.match(r.stdout, /set 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:8080 ESTABLISHED: \d+s left -> 45s left/);
    assert.match(r.stdout, /its next packet restores the default \(432000s\)/);
    await new Promise((r) => setTimeout(r, 300));
    const [flow] = flows(ns, 8080);
    assert.ok(
      (flow?.timeout ?? 0) > 400_000,
      `the packet after the update restored it: ${JSON.stringify(flow)}`,
    );
    const st = firewallStatus({ netnsPath: ns.path });
    assert.deepEqual(
      st.ports[0]?.flows.map((f) => f.predatesPolicy),
      [true],
    );
    const text = await run(["firewall", "status", "--netns", ns.name]);
    assert.match(text.stdout, /ESTABLISHED \d+s left \(predates the table: the default policy applies/);
  });
});

test("connections conntrack does not track are reported, not counted as covered", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    // No table uses conntrack yet: the idle connection opens untracked.
    const f = await ns.spawnFixture<{ groups: { idle: number[] } }>(fixture, [
      JSON.stringify({ port: 8080, idle: 1 }),
    ]);
    const client = f.ready.groups.idle[0];
    const r = await run(["firewall", "apply", "--port", "8080", "--netns", ns.name, "--yes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /note: port 8080: 1 connection\(s\) have no conntrack entry/);
    assert.deepEqual(flows(ns, 8080), []);
    const st = firewallStatus({ netnsPath: ns.path });
    assert.deepEqual(st.ports[0]?.untracked, [`127.0.0.1:${client} -> 127.0.0.1:8080`]);
    const text = await run(["firewall", "status", "--netns", ns.name]);
    assert.match(text.stdout, /0 flow\(s\), 1 connection\(s\) not tracked by conntrack/);
  });
});

test("a read failure in firewall status has its own code", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-fw-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, "nft");
  writeFileSync(
    fake,
    "#!/bin/sh\necho 'Error: cache initialization failed: Operation not permitted' >&2\nexit 1\n",
    {
      mode: 0o755,
    },
  );
  assert.throws(
    () => firewallStatus({ tools: { nft: fake, conntrack: fake } }),
    (e: unknown) =>
      e instanceof IdlereapError &&
      e.code === "IDLEREAP_ERR_FIREWALL_READ" &&
      /nft list table failed: Error: cache initialization failed/.test(e.message),
  );
});
