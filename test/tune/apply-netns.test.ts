// Real-kernel tests: profiles applied, persisted and rolled back inside throwaway network namespaces.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { applyTune } from "../../src/tune/apply.js";
import { ProcSys } from "../../src/tune/proc-sys.js";
import { loadProfile } from "../../src/tune/profile.js";
import { rollbackTune } from "../../src/tune/rollback.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const KEYS = [
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_retries2",
  "net.ipv4.ip_local_port_range",
];

function nsValues(ns: TestNetns): string[] {
  return KEYS.map((k) => ns.exec("sysctl", ["-n", k]).trim().split(/\s+/).join(" "));
}

function hostValues(): string[] {
  return KEYS.map((k) =>
    readFileSync(`/proc/sys/${k.replaceAll(".", "/")}`, "utf8")
      .trim()
      .split(/\s+/)
      .join(" "),
  );
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-tune-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("apply fast-release in a namespace, persist to a file, roll both back; the host is untouched", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = tempDir(t);
  const persistFile = join(dir, "sysctl.d", "90-idlereap.conf");
  const host = hostValues();
  await withNetns(async (ns) => {
    const before = nsValues(ns);
    const procSys = new ProcSys("/proc/sys", resolveNetns(ns.path));
    assert.equal(procSys.isHost, false);
    const res = applyTune({ procSys, profile: loadProfile("fast-release"), stateDir: dir, persistFile });
    assert.deepEqual(nsValues(ns), ["60", "10", "3", "15", "8", before[5]]);
    assert.deepEqual(hostValues(), host, "host values unchanged");
    assert.ok(res.backupFile !== undefined && existsSync(res.backupFile));
    const conf = readFileSync(persistFile, "utf8");
    assert.match(conf, /# First probe after 60 s idle.*\n# source: .*\nnet\.ipv4\.tcp_keepalive_time = 60\n/);
    assert.match(conf, /\nnet\.ipv4\.tcp_tw_reuse = 1\n/);
    assert.deepEqual(readdirSync(join(dir, "sysctl.d")), ["90-idlereap.conf"], "no temp file left behind");

    const back = {
      stateDir: dir,
      netns: procSys.netns,
      sysRoot: "/proc/sys",
      sysctlDir: join(dir, "sysctl.d"),
      yes: true,
    };
    const rb = rollbackTune(back);
    assert.deepEqual(nsValues(ns), before);
    assert.equal(existsSync(persistFile), false, "a file that did not exist before is removed");
    assert.deepEqual(rb.persist, { file: persistFile, action: "removed" });
    assert.deepEqual(hostValues(), host);
    assert.throws(() => rollbackTune(back), /no backup to roll back for namespace/);
  });
});

test("rollback restores the persisted file that was there before", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = tempDir(t);
  const persistFile = join(dir, "90-idlereap.conf");
  writeFileSync(persistFile, "# an older file\nnet.ipv4.tcp_keepalive_time = 600\n");
  await withNetns(async (ns) => {
    const procSys = new ProcSys("/proc/sys", resolveNetns(ns.name));
    applyTune({ procSys, profile: loadProfile("cloud-lb"), stateDir: dir, persistFile });
    assert.equal(ns.exec("sysctl", ["-n", "net.ipv4.tcp_keepalive_time"]).trim(), "180");
    assert.match(readFileSync(persistFile, "utf8"), /tcp_keepalive_time = 180/);
    rollbackTune({ stateDir: dir, netns: procSys.netns, sysRoot: "/proc/sys", sysctlDir: dir, yes: true });
    assert.equal(readFileSync(persistFile, "utf8"), "# an older file\nnet.ipv4.tcp_keepalive_time = 600\n");
    assert.equal(ns.exec("sysctl", ["-n", "net.ipv4.tcp_keepalive_time"]).trim(), "7200");
  });
});

test("when the kernel rejects a later key, the earlier writes are restored and the failure named", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = tempDir(t);
  const profile = loadProfile(
    join(import.meta.dirname, "..", "fixtures", "tune-profiles", "late-key-rejected.yaml"),
  );
  await withNetns(async (ns) => {
    const before = nsValues(ns);
    const procSys = new ProcSys("/proc/sys", resolveNetns(ns.path));
    assert.throws(
      () => applyTune({ procSys, profile, stateDir: dir, persistFile: join(dir, "never.conf") }),
      (e: unknown) =>
        e instanceof IdlereapError &&
        e.code === "IDLEREAP_ERR_TUNE_WRITE" &&
        /writing net\.ipv4\.ip_local_port_range = 80 60999 failed: EINVAL/.test(e.message) &&
        /restored net\.ipv4\.tcp_keepalive_time, net\.ipv4\.tcp_fin_timeout/.test(e.message),
    );
    assert.deepEqual(nsValues(ns), before);
    assert.equal(existsSync(join(dir, "never.conf")), false);
    assert.deepEqual(
      readdirSync(join(dir, "backups")).filter((f) => f.endsWith(".json")),
      [],
      "nothing left to roll back",
    );
  });
});
