// As a user without root, every error names what is missing and none shows a stack trace; a namespace
// that could not be entered is reported as not scanned (text and JSON), never as "findings: none".
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { type TestContext, test } from "node:test";
import { PERMISSION_HINT } from "../../src/errors.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { sharedCli } from "../helpers/shared-fixture.js";
import { findTestTool, needsTools } from "../helpers/tools.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];
const STACK = /^\s+at /m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as nobody, from a copy every user can read (the checkout may be a 0700
 * directory), optionally inside a namespace (entered as root first).
 */
function asNobody(args: string[], netns?: string): Run {
  const cli = [...AS_NOBODY, process.execPath, sharedCli() as string, ...args];
  const argv = netns === undefined ? cli : ["ip", "netns", "exec", netns, ...cli];
  const r = spawnSync(argv[0] as string, argv.slice(1), { cwd: tmpdir(), encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Root, setpriv, and the built CLI (copied where nobody can read it). */
function ready(t: TestContext): boolean {
  if (!needsPrivilege(t) || !needsTools(t, "setpriv")) return false;
  if (sharedCli() === undefined)
    throw new Error("the CLI is not built: run npm run build (npm install does)");
  return true;
}

test("status as nobody on a namespace it cannot enter: not scanned, what is missing, exit non-zero", async (t) => {
  if (!ready(t)) return;
  await withNetns(async (ns) => {
    const text = asNobody(["status", "--netns", ns.name]);
    assert.notEqual(text.code, 0);
    assert.match(text.stdout, new RegExp(`netns ${ns.name}: NOT SCANNED: .*permission denied`));
    assert.doesNotMatch(text.stdout, /^findings: none$/m);
    assert.match(text.stdout, new RegExp(`${ns.name} not scanned, so its findings are unknown`));
    assert.ok(text.stderr.includes(PERMISSION_HINT), text.stderr);
    assert.doesNotMatch(text.stderr, /EPERM \(1\)|SyscallError/);
    assert.doesNotMatch(text.stderr, STACK);
    const json = asNobody(["status", "--netns", ns.name, "--json"]);
    assert.notEqual(json.code, 0);
    const report = JSON.parse(json.stdout);
    assert.deepEqual(report.notScanned, [ns.name]);
    assert.equal(report.errors[0].code, "IDLEREAP_ERR_PERMISSION");
    assert.ok(report.errors[0].message.includes(PERMISSION_HINT));
  });
});

test("acting commands as nobody name what is missing and show no stack trace", async (t) => {
  if (!ready(t)) return;
  await withNetns(async (ns) => {
    const runs: [string[], RegExp][] = [
      [["tune", "apply", "--profile", "fast-release", "--yes"], /IDLEREAP_ERR_PERMISSION/],
      [["kill", "--netns", ns.name, "--state", "close-wait", "--yes"], /not scanned/],
      [["ls", "--netns", ns.name], /not scanned/],
      [["tune", "audit", "--netns", ns.name], /IDLEREAP_ERR_PERMISSION/],
    ];
    // The firewall needs nft to get as far as the kernel's refusal (covered with nft in firewall tests).
    if (findTestTool("nft") && findTestTool("conntrack")) {
      runs.push([["firewall", "apply", "--port", "8080", "--yes"], /IDLEREAP_ERR_FIREWALL_READ/]);
    }
    for (const [args, expected] of runs) {
      const r = asNobody(args);
      const what = `${args.join(" ")}: ${r.stderr}`;
      assert.notEqual(r.code, 0, what);
      assert.match(r.stderr, expected, what);
      assert.ok(r.stderr.includes(PERMISSION_HINT), what);
      assert.doesNotMatch(r.stderr, STACK, what);
    }
  });
});

test("ls as nobody says once, on stderr, why owners show -", async (t) => {
  if (!ready(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<{ port: number }>(CONNS, [JSON.stringify({ idle: 2 })]);
    const r = asNobody(["ls", "--sport", String(f.ready.port)], ns.name);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n").slice(1);
    assert.equal(rows.length, 2);
    for (const row of rows) assert.match(row, /\s-$/, "the owner is root's, not visible to nobody");
    assert.equal(r.stderr.split("\n").filter((l) => l.includes('owners show "-"')).length, 1, r.stderr);
    assert.ok(r.stderr.includes("CAP_SYS_PTRACE"));
    assert.ok(r.stderr.includes(PERMISSION_HINT));
    // An owner filter matches nothing it cannot see: kill says why rather than a bare "matched 0".
    const k = asNobody(["kill", "--comm", "node", "--yes"], ns.name);
    assert.match(k.stdout, /^matched 0,/m);
    assert.equal(k.stderr.split("\n").filter((l) => l.includes('owners show "-"')).length, 1, k.stderr);
  });
});
