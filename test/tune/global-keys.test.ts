// Global keys (fs.*, tcp_max_orphans, nf_conntrack_max) are only ever written on a temporary tree
// standing in for /proc/sys: they would change the whole host.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { CURRENT_NETNS, isHostNetns, type NetnsRef, resolveNetns } from "../../src/kernel/netns.js";
import { applyTune, formatPlan, planTune } from "../../src/tune/apply.js";
import { ProcSys } from "../../src/tune/proc-sys.js";
import { loadProfile, parseProfile } from "../../src/tune/profile.js";
import { rollbackTune } from "../../src/tune/rollback.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const TREE: Record<string, string> = {
  "fs.file-max": "1000000",
  "fs.nr_open": "1048576",
  "net.core.somaxconn": "4096",
  "net.ipv4.tcp_max_syn_backlog": "1024",
  "net.ipv4.ip_local_port_range": "32768\t60999",
  "net.ipv4.tcp_max_tw_buckets": "262144",
  "net.ipv4.tcp_max_orphans": "65536",
};

function fakeRoot(t: { after(fn: () => void): void }): {
  root: string;
  state: string;
  read(key: string): string;
} {
  const base = mkdtempSync(join(tmpdir(), "idlereap-procsys-"));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, "sys");
  for (const [key, value] of Object.entries(TREE)) {
    const file = join(root, ...key.split("."));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${value}\n`);
  }
  return {
    root,
    state: join(base, "state"),
    read: (key) => readFileSync(join(root, ...key.split(".")), "utf8").trim(),
  };
}

// Stand-ins that run in this process's namespace; only whether each counts as the host differs.
const INSIDE: NetnsRef = { name: "some-container", path: null, inode: 1 };
const HOST: NetnsRef = { name: "host", path: null, inode: 2 };

test("global keys from inside a namespace are refused unless allowed; nothing changes first", (t) => {
  const fake = fakeRoot(t);
  const procSys = new ProcSys(fake.root, INSIDE, false);
  const profile = loadProfile("high-concurrency");
  assert.deepEqual(planTune(profile, procSys).globalChanges, [
    "fs.file-max",
    "fs.nr_open",
    "net.ipv4.tcp_max_orphans",
  ]);
  assert.throws(
    () => applyTune({ procSys, profile, stateDir: fake.state }),
    (e: unknown) =>
      e instanceof IdlereapError &&
      e.code === "IDLEREAP_ERR_TUNE_GLOBAL_KEY" &&
      /--allow-global/.test(e.message),
  );
  assert.equal(fake.read("net.core.somaxconn"), "4096");

  const res = applyTune({ procSys, profile, stateDir: fake.state, allowGlobal: true });
  assert.equal(res.written.length, 7);
  assert.equal(fake.read("fs.nr_open"), "2097152");
  assert.equal(fake.read("net.ipv4.ip_local_port_range"), "10000 65535");
  rollbackTune({
    stateDir: fake.state,
    netns: INSIDE,
    sysRoot: fake.root,
    sysctlDir: fake.state,
    allowGlobal: true,
    yes: true,
    isHost: false,
  });
  assert.equal(fake.read("fs.nr_open"), "1048576");
  assert.equal(fake.read("fs.file-max"), "1000000");
  assert.equal(fake.read("net.ipv4.ip_local_port_range"), "32768 60999");
});

test("on the host's namespace global keys need --allow-global too; limits already higher are kept", (t) => {
  const fake = fakeRoot(t);
  writeFileSync(join(fake.root, "net", "ipv4", "tcp_max_tw_buckets"), "5000000\n");
  const procSys = new ProcSys(fake.root, HOST, true);
  const persistFile = join(fake.state, "90-idlereap.conf");
  const profile = loadProfile("high-concurrency");
  assert.throws(
    () => applyTune({ procSys, profile, stateDir: fake.state, persistFile }),
    (e: unknown) =>
      e instanceof IdlereapError &&
      e.code === "IDLEREAP_ERR_TUNE_GLOBAL_KEY" &&
      /fs\.file-max.*would change the whole host/.test(e.message),
  );
  assert.equal(fake.read("fs.file-max"), "1000000");
  const res = applyTune({ procSys, profile, stateDir: fake.state, persistFile, allowGlobal: true });
  assert.equal(fake.read("fs.file-max"), "2097152");
  assert.equal(fake.read("net.ipv4.tcp_max_tw_buckets"), "5000000");
  assert.equal(res.plan.entries.find((e) => e.key === "net.ipv4.tcp_max_tw_buckets")?.keptHigher, true);
  const conf = readFileSync(persistFile, "utf8");
  assert.match(
    conf,
    /# kept at 5000000, above the profile's 2000000\nnet\.ipv4\.tcp_max_tw_buckets = 5000000\n/,
  );
  assert.match(conf, /\nfs\.file-max = 2097152\n/);
});

test("a real non-host namespace is recognised as such (writes still go to the temporary tree)", async (t) => {
  if (!needsPrivilege(t)) return;
  const fake = fakeRoot(t);
  await withNetns(async (ns) => {
    const procSys = new ProcSys(fake.root, resolveNetns(ns.name));
    assert.throws(
      () => applyTune({ procSys, profile: loadProfile("high-concurrency"), stateDir: fake.state }),
      /global/,
    );
    assert.equal(fake.read("fs.file-max"), "1000000");
  });
  assert.equal(
    isHostNetns(resolveNetns(CURRENT_NETNS)),
    true,
    "the namespace the tests run in is the host's",
  );
  assert.throws(
    () => resolveNetns("idlereap-no-such-ns"),
    /network namespace "idlereap-no-such-ns" not found \(looked at \/run\/netns\/idlereap-no-such-ns/,
  );
});

test("a key this kernel does not have is refused before anything changes", (t) => {
  const fake = fakeRoot(t);
  const profile = parseProfile(
    "name: x\ndescription: x\nsettings:\n  net.core.somaxconn: {value: 8192, reason: r, source: s}\n  net.ipv4.tcp_made_up: {value: 1, reason: r, source: s}\n",
    "x.yaml",
  );
  assert.throws(
    () => applyTune({ procSys: new ProcSys(fake.root, HOST, true), profile, stateDir: fake.state }),
    (e: unknown) =>
      e instanceof IdlereapError &&
      e.code === "IDLEREAP_ERR_TUNE_UNKNOWN_KEY" &&
      /tcp_made_up/.test(e.message),
  );
  assert.equal(fake.read("net.core.somaxconn"), "4096");
});

test("a key the catalog does not know is global: [global] in the plan, refused without --allow-global", (t) => {
  const fake = fakeRoot(t);
  mkdirSync(join(fake.root, "vm"), { recursive: true });
  writeFileSync(join(fake.root, "vm", "swappiness"), "60\n");
  const profile = parseProfile(
    "name: x\ndescription: x\nsettings:\n  vm.swappiness: {value: 10, reason: r, source: s}\n",
    "x.yaml",
  );
  for (const [ref, isHost] of [
    [INSIDE, false],
    [HOST, true],
  ] as const) {
    const procSys = new ProcSys(fake.root, ref, isHost);
    const plan = planTune(profile, procSys);
    assert.deepEqual(plan.globalChanges, ["vm.swappiness"]);
    assert.match(
      formatPlan(plan),
      /~ vm\.swappiness\s+60 → 10\s+\[global\]\n! global keys would change the whole host/,
    );
    assert.throws(
      () => applyTune({ procSys, profile, stateDir: fake.state }),
      (e: unknown) => e instanceof IdlereapError && e.code === "IDLEREAP_ERR_TUNE_GLOBAL_KEY",
    );
    assert.equal(fake.read("vm.swappiness"), "60");
  }
});
