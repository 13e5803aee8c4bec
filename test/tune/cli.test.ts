// The `idlereap tune` command line, run in-process through main().
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli as run } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("bad flags and arguments: a clear message and exit 2", async () => {
  const r1 = await run(["tune", "audit", "--no-such-flag"]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /unknown option '--no-such-flag'/);
  const r2 = await run(["tune", "apply"]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /required option '--profile <name\|file>' not specified/);
  const r3 = await run(["tune", "lint"]);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /missing required argument 'files'/);
});

test("a bad profile file: exit 2 with file, line and key; nothing read from the kernel", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "mine.yaml");
  writeFileSync(
    file,
    "name: mine\ndescription: d\nsettings:\n  net.ipv4.tcp_keepalive_probes:\n    value: 0\n    reason: r\n    source: s\n",
  );
  const r = await run(["tune", "apply", "--profile", file, "--yes"], { IDLEREAP_STATE_DIR: dir });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /mine\.yaml: line 5: net\.ipv4\.tcp_keepalive_probes: value "0" 0 is outside 1\.\.255 \[IDLEREAP_ERR_CONFIG_INVALID\]/,
  );
  assert.equal(existsSync(join(dir, "backups")), false);
});

test("lint exits 1 on errors and prints file:line findings", async () => {
  const fixtures = join(import.meta.dirname, "..", "fixtures", "tune-sysctl");
  const r = await run(["tune", "lint", join(fixtures, "sysctl.d")]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /10-network\.conf:2: error: net\.ipv4\.tcp_tw_recycle removed in Linux 4\.12/);
  const gone = await run(["tune", "lint", join(fixtures, "no-such.conf")]);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /cannot read .*no-such\.conf: ENOENT \[IDLEREAP_ERR_CONFIG_READ\]/);
  const clean = await run(["tune", "lint", join(fixtures, "lib-sysctl.d", "50-clean.conf")]);
  assert.equal(clean.code, 0);
  assert.match(clean.stdout, /0 error\(s\)/);
});

test("apply without --yes prints the diff and changes nothing; with --yes it applies; rollback undoes", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = tempDir(t);
  const env = { IDLEREAP_STATE_DIR: join(dir, "state"), IDLEREAP_SYSCTL_D: dir };
  const persist = join(dir, "90-idlereap.conf");
  await withNetns(async (ns) => {
    const time = () => ns.exec("sysctl", ["-n", "net.ipv4.tcp_keepalive_time"]).trim();
    const dry = await run(
      ["tune", "apply", "--profile", "fast-release", "--netns", ns.name, "--persist", persist],
      env,
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /~ net\.ipv4\.tcp_keepalive_time\s+7200 → 60\s+\[netns\]/);
    assert.match(dry.stdout, /nothing changed/);
    assert.equal(time(), "7200");
    assert.equal(existsSync(persist), false);
    assert.equal(existsSync(join(dir, "state")), false);

    const wet = await run(
      ["tune", "apply", "--profile", "fast-release", "--netns", ns.name, "--persist", persist, "--yes"],
      env,
    );
    assert.equal(wet.code, 0, wet.stderr);
    assert.equal(time(), "60");
    assert.match(wet.stdout, /applied 7 change\(s\)/);
    assert.match(wet.stdout, /applies this file to the host's namespace/);
    assert.ok(existsSync(persist));

    const audit = await run(
      ["tune", "audit", "--netns", ns.path, "--profile", "fast-release", "--json"],
      env,
    );
    assert.equal(audit.code, 0, audit.stderr);
    const report = JSON.parse(audit.stdout) as {
      rows: { key: string; value: string; profileValue?: string }[];
    };
    const row = report.rows.find((r) => r.key === "net.ipv4.tcp_keepalive_probes");
    assert.deepEqual([row?.value, row?.profileValue], ["3", "3"]);

    const back = await run(["tune", "rollback", "--netns", ns.name, "--yes"], env);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /restored net\.ipv4\.tcp_keepalive_time = 7200/);
    assert.equal(time(), "7200");
    assert.equal(existsSync(persist), false);
    assert.deepEqual(
      readdirSync(join(dir, "state", "backups")).filter((f) => f.endsWith(".json")),
      [],
    );
  });
});

test("a namespace that does not exist is named in the error", async () => {
  const r = await run(["tune", "audit", "--netns", "idlereap-no-such-ns"]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /network namespace "idlereap-no-such-ns" not found .*\[IDLEREAP_ERR_NETNS_NOT_FOUND\]/,
  );
});
