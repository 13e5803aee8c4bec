// tune rollback and apply acting on exactly the namespace named: per-namespace backups, plans without
// --yes, no empty backups, persisting refused where the host would apply it, crafted backups refused.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli as run } from "../helpers/cli.js";
import { createNetns, destroyNetns, type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-rb-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sysctlD = join(dir, "sysctl.d");
  mkdirSync(sysctlD);
  const state = join(dir, "state");
  return { dir, sysctlD, state, env: { IDLEREAP_STATE_DIR: state, IDLEREAP_SYSCTL_D: sysctlD } };
}

const keepaliveTime = (ns: TestNetns) => ns.exec("sysctl", ["-n", "net.ipv4.tcp_keepalive_time"]).trim();
const pending = (state: string) =>
  existsSync(join(state, "backups"))
    ? readdirSync(join(state, "backups")).filter((f) => f.endsWith(".json"))
    : [];

test("rollback --netns A restores A from A's backup, even when B was tuned later", async (t) => {
  if (!needsPrivilege(t)) return;
  const { state, env } = setup(t);
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      const ok = async (args: string[]) => {
        const r = await run(args, env);
        assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      await ok(["tune", "apply", "--profile", "fast-release", "--netns", a.name, "--yes"]);
      await ok(["tune", "apply", "--profile", "cloud-lb", "--netns", b.name, "--yes"]);
      assert.deepEqual([keepaliveTime(a), keepaliveTime(b)], ["60", "180"]);

      const plan = await ok(["tune", "rollback", "--netns", a.name]);
      assert.match(plan, new RegExp(`would restore into ${a.name} from .*tune-.*\\.json:`));
      assert.match(plan, /~ net\.ipv4\.tcp_keepalive_time {2}60 → 7200/);
      assert.match(plan, /nothing changed \(run again with --yes/);
      assert.equal(keepaliveTime(a), "60", "no change without --yes");
      assert.equal(pending(state).length, 2);

      const done = await ok(["tune", "rollback", "--netns", a.name, "--yes"]);
      assert.match(done, new RegExp(`restored into ${a.name} from .*tune-.*\\.json`));
      assert.match(done, /note: 1 newer backup\(s\) of other or deleted namespaces left alone/);
      assert.deepEqual([keepaliveTime(a), keepaliveTime(b)], ["7200", "180"], "B's values stay in B");
      assert.equal(pending(state).length, 1, "B's backup is still there to roll back");

      const wrong = await run(["tune", "rollback", "--netns", a.name, "--yes"], env);
      assert.equal(wrong.code, 2);
      assert.match(
        wrong.stderr,
        /no backup to roll back for namespace .*1 backup\(s\) of other or deleted namespaces/,
      );
      await ok(["tune", "rollback", "--netns", b.name, "--yes"]);
      assert.equal(keepaliveTime(b), "7200");
    });
  });
});

test("a stale backup of a deleted namespace does not break a rollback elsewhere", async (t) => {
  if (!needsPrivilege(t)) return;
  const { env } = setup(t);
  await withNetns(async (a) => {
    const r1 = await run(["tune", "apply", "--profile", "fast-release", "--netns", a.name, "--yes"], env);
    assert.equal(r1.code, 0, r1.stderr);
    const gone = createNetns("irgone");
    try {
      const r2 = await run(["tune", "apply", "--profile", "cloud-lb", "--netns", gone.name, "--yes"], env);
      assert.equal(r2.code, 0, r2.stderr);
    } finally {
      await destroyNetns(gone);
    }
    const back = await run(["tune", "rollback", "--netns", a.name, "--yes"], env);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(keepaliveTime(a), "7200");
    assert.doesNotMatch(back.stderr, /irgone/);
  });
});

test("an apply that changes nothing writes no backup", async (t) => {
  if (!needsPrivilege(t)) return;
  const { state, env } = setup(t);
  await withNetns(async (ns) => {
    const r = await run(["tune", "apply", "--profile", "kernel-default", "--netns", ns.name, "--yes"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing to change.*no backup written/);
    assert.deepEqual(pending(state), []);
  });
});

test("--persist: the default file is refused for a non-host namespace; a directory is refused", async (t) => {
  if (!needsPrivilege(t)) return;
  const { sysctlD, state, env } = setup(t);
  await withNetns(async (ns) => {
    const args = ["tune", "apply", "--profile", "fast-release", "--netns", ns.name];
    const dflt = await run([...args, "--persist", "--yes"], env);
    assert.equal(dflt.code, 2, dflt.stderr);
    assert.match(
      dflt.stderr,
      /--persist: namespace .* is not the host's.*name the file.*\[IDLEREAP_ERR_CLI_USAGE\]/,
    );
    const folder = join(sysctlD, "95-dir.conf");
    mkdirSync(folder);
    for (const path of [folder, sysctlD]) {
      const r = await run([...args, "--persist", path, "--yes"], env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--persist: .*(is a directory|not a \*\.conf file).*\[IDLEREAP_ERR_CLI_USAGE\]/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(keepaliveTime(ns), "7200", "nothing changed");
    assert.deepEqual(pending(state), []);
    const named = await run([...args, "--persist", join(sysctlD, "90-ns.conf"), "--yes"], env);
    assert.equal(named.code, 0, named.stderr);
    assert.ok(existsSync(join(sysctlD, "90-ns.conf")));
  });
});

test("a crafted backup is refused: bad keys, values, paths; its procRoot is never used", async (t) => {
  const { dir, sysctlD, state, env } = setup(t);
  const victim = join(dir, "victim");
  writeFileSync(victim, "untouched\n");
  const fakeSys = join(dir, "fake-sys");
  mkdirSync(join(fakeSys, "net", "ipv4"), { recursive: true });
  writeFileSync(join(fakeSys, "net", "ipv4", "tcp_keepalive_time"), "7200\n");
  const base = {
    version: 1,
    created: "2026-01-01T00:00:00.000Z",
    profile: "x",
    netns: null,
    netnsLabel: "host",
    procRoot: dir,
    values: [{ key: "net.ipv4.tcp_keepalive_time", previous: "60", written: "7200" }],
    persist: null,
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "traversal key",
      { values: [{ key: "..victim", previous: "x", written: "y" }] },
      /values\.0\.key: not a sysctl key/,
    ],
    ["slash key", { values: [{ key: "net/../../victim", previous: "x", written: "y" }] }, /not a sysctl key/],
    [
      "pipe value",
      { values: [{ key: "kernel.core_pattern", previous: "|/tmp/x", written: "core" }] },
      /not a sysctl value/,
    ],
    [
      "folklore",
      { values: [{ key: "net.ipv4.tcp_tw_recycle", previous: "1", written: "0" }] },
      /never writes/,
    ],
    [
      "persist path",
      { persist: { file: victim, previous: "owned\n" } },
      /persist\.file .* is not a \.conf file in/,
    ],
    [
      "persist dotdot",
      { persist: { file: `${sysctlD}/../victim.conf`, previous: "x" } },
      /is not a \.conf file in/,
    ],
    ["extra field", { extra: 1 }, /not valid/],
  ];
  for (const [name, patch, why] of cases) {
    const file = join(dir, `${name.replace(/ /g, "-")}.json`);
    writeFileSync(file, JSON.stringify({ ...base, ...patch }));
    const r = await run(["tune", "rollback", file, "--yes", "--allow-global"], {
      ...env,
      IDLEREAP_PROC_SYS: fakeSys,
    });
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why, name);
    assert.match(r.stderr, /\[IDLEREAP_ERR_TUNE_BACKUP\]/, name);
  }
  assert.equal(readFileSync(victim, "utf8"), "untouched\n");
  // A valid backup restores under the root in use, never under the procRoot it records.
  const good = join(state, "backups", "tune-2026-good.json");
  mkdirSync(join(state, "backups"), { recursive: true });
  writeFileSync(good, JSON.stringify(base));
  const r = await run(["tune", "rollback", "--yes"], { ...env, IDLEREAP_PROC_SYS: fakeSys });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(fakeSys, "net", "ipv4", "tcp_keepalive_time"), "utf8"), "60\n");
  assert.equal(existsSync(join(dir, "net")), false, "nothing written under the recorded procRoot");
});

test("backups go to a 0700 directory even under umask 000", async (t) => {
  if (!needsPrivilege(t)) return;
  const { state, env } = setup(t);
  const saved = process.umask(0);
  t.after(() => process.umask(saved));
  await withNetns(async (ns) => {
    const r = await run(["tune", "apply", "--profile", "fast-release", "--netns", ns.name, "--yes"], env);
    assert.equal(r.code, 0, r.stderr);
  });
  assert.equal((statSync(state).mode & 0o777).toString(8), "700");
  assert.equal((statSync(join(state, "backups")).mode & 0o777).toString(8), "700");
  const [file] = pending(state);
  assert.equal((statSync(join(state, "backups", file as string)).mode & 0o777).toString(8), "600");
});
