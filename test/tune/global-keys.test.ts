// Global keys (fs.*, tcp_max_orphans, nf_conntrack_max) are only ever written on a temporary tree
// standing in for /proc/sys: they would change the whole host.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { applyTune, planTune } from "../../src/tune/apply.js";
import { type NetnsTarget, resolveNetns } from "../../src/tune/netns.js";
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

const INSIDE: NetnsTarget = { label: "some-container", path: undefined, isHost: false };
const HOST: NetnsTarget = { label: "host", path: undefined, isHost: true };

test("global keys from inside a namespace are refused unless allowed; nothing changes first", (t) => {
  const fake = fakeRoot(t);
  const procSys = new ProcSys(fake.root, INSIDE);
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
  rollbackTune({ stateDir: fake.state });
  assert.equal(fake.read("fs.nr_open"), "1048576");
  assert.equal(fake.read("fs.file-max"), "1000000");
  assert.equal(fake.read("net.ipv4.ip_local_port_range"), "32768 60999");
});

test("on the host's namespace global keys need no extra flag; limits already higher are kept", (t) => {
  const fake = fakeRoot(t);
  writeFileSync(join(fake.root, "net", "ipv4", "tcp_max_tw_buckets"), "5000000\n");
  const procSys = new ProcSys(fake.root, HOST);
  const persistFile = join(fake.state, "90-idlereap.conf");
  const res = applyTune({
    procSys,
    profile: loadProfile("high-concurrency"),
    stateDir: fake.state,
    persistFile,
  });
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
  assert.equal(resolveNetns(undefined).isHost, true, "the namespace the tests run in is the host's");
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
    () => applyTune({ procSys: new ProcSys(fake.root, HOST), profile, stateDir: fake.state }),
    (e: unknown) =>
      e instanceof IdlereapError &&
      e.code === "IDLEREAP_ERR_TUNE_UNKNOWN_KEY" &&
      /tcp_made_up/.test(e.message),
  );
  assert.equal(fake.read("net.core.somaxconn"), "4096");
});
