import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const ESC = "\x1b[";

test("ls table: UNACKED, RETRANS and FD columns; PROCESS has no blank and is the last field", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 2 })]);
    const r = await runCli(["ls", "--netns", ns.name, "--state", "established"]);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split("\n");
    const cols = (header as string).split(/\s+/);
    assert.deepEqual(cols.slice(-5), ["TIMER", "UNACKED", "RETRANS", "FD", "PROCESS"]);
    assert.equal(rows.length, 4);
    for (const row of rows) {
      const fields = row.split(/\s+/);
      assert.equal(fields.length, cols.length, row);
      assert.equal(fields.at(-1), `node/${f.pid}`, "awk '{print $NF}' gives command/pid");
      assert.match(fields.at(-2) as string, /^\d+$/, "fd in its own column");
      assert.equal(fields.at(-3), "0", "no retransmission on loopback");
      assert.equal(fields.at(-4), "0", "nothing unacknowledged");
      assert.ok(!row.includes(ESC), "no colour when stdout is not a terminal");
    }
    const always = await runCli(["ls", "--netns", ns.name, "--state", "established", "--color", "always"]);
    assert.ok(always.stdout.includes(`${ESC}32mestablished`), "established in green with --color always");
    const noColor = await runCli(["ls", "--netns", ns.name, "--color", "auto"], { NO_COLOR: "1" });
    assert.ok(!noColor.stdout.includes(ESC));
  });
});

test("ls --ndjson prints one socket object a line, the same objects as --json", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 2, closeWait: 1 })]);
    const nd = await runCli(["ls", "--netns", ns.name, "--state", "all", "--ndjson", "--sort", "local"]);
    assert.equal(nd.code, 0, nd.stderr);
    const lines = nd.stdout.trimEnd().split("\n");
    const objects = lines.map((l) => JSON.parse(l) as TcpSocket);
    const json = JSON.parse(
      (await runCli(["ls", "--netns", ns.name, "--state", "all", "--json", "--sort", "local"])).stdout,
    ) as TcpSocket[];
    assert.equal(objects.length, json.length);
    assert.equal(objects.length, 2 * 2 + 2 + 1, "four idle ends, a close-wait pair, the listener");
    assert.deepEqual(
      objects.map((o) => [o.state, o.localPort, o.remotePort]),
      json.map((o) => [o.state, o.localPort, o.remotePort]),
    );
    const both = await runCli(["ls", "--netns", ns.name, "--json", "--ndjson"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--ndjson/);
  });
});

test("status: idle histogram as bars, no 0/0 (100%) on an empty namespace, severities coloured", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const empty = await runCli(["status", "--netns", ns.name]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /keepalive +no established connections/);
    assert.doesNotMatch(empty.stdout, /0\/0/);
    assert.match(empty.stdout, /idle +none/);

    await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 3 })]);
    const r = await runCli(["status", "--netns", ns.name]);
    assert.match(r.stdout, /idle +≤1s +█{30} 6\n/, "all six ends in the first bucket, a full bar");
    assert.match(r.stdout, / +>1d +0\n/, "the last bucket has its own line");
    assert.ok(!r.stdout.includes(ESC));
    assert.match(r.stdout, /6 established sockets without keepalive in 1 process: /, "counted nouns agree");
    const colored = await runCli(["status", "--netns", ns.name, "--color", "always"]);
    assert.ok(colored.stdout.includes(`${ESC}36mINFO`), "the keepalive finding, info in cyan");
    const json = await runCli(["status", "--netns", ns.name, "--json", "--color", "always"]);
    assert.ok(!json.stdout.includes(ESC), "never colours in JSON");
    const bad = await runCli(["status", "--color", "sometimes"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--color: "sometimes" must be auto, always or never/);
  });
});

test("every command's --help ends with examples and the docs link; tune apply lists the profiles", async () => {
  const helps: [string[], string][] = [
    [["ls"], "docs/ls.md"],
    [["status"], "docs/status.md"],
    [["kill"], "docs/kill.md"],
    [["run"], "docs/run.md"],
    [["top"], "docs/top.md"],
    [["completion"], "docs/completion.md"],
    [["tune"], "docs/tune.md"],
    [["tune", "apply"], "docs/tune.md"],
    [["firewall", "apply"], "docs/firewall.md"],
    [[], "README.md"],
  ];
  for (const [args, doc] of helps) {
    const r = await runCli([...args, "--help"]);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /\nExamples:\n {2}\$ idlereap .+\n {2}\$ idlereap /, args.join(" "));
    assert.ok(r.stdout.trimEnd().endsWith(doc), `${args.join(" ")} --help ends with ${doc}`);
  }
  const apply = await runCli(["tune", "apply", "--help"]);
  for (const p of ["kernel-default", "fast-release", "cloud-lb", "high-concurrency"]) {
    assert.match(apply.stdout, new RegExp(`\\n {2}${p} +\\S`), `profile ${p} listed with its description`);
  }
  const ls = await runCli(["ls", "--help"]);
  assert.match(ls.stdout, /Without --state, ls shows the connected states: established, syn-sent/);
});
