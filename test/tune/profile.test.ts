import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, IdlereapError, InputError } from "../../src/errors.js";
import { keepaliveDetectionSeconds, MIDDLEBOX_IDLE_TIMEOUTS } from "../../src/tune/meaning.js";
import { listBuiltinProfiles, loadProfile, parseProfile } from "../../src/tune/profile.js";

test("the four built-in profiles load, and every value has a reason and a source", () => {
  assert.deepEqual(listBuiltinProfiles(), ["kernel-default", "fast-release", "high-concurrency", "cloud-lb"]);
  for (const name of listBuiltinProfiles()) {
    const p = loadProfile(name);
    assert.equal(p.name, name);
    assert.ok(p.settings.length >= 4, name);
    for (const s of p.settings) assert.ok(s.reason && s.source, `${name} ${s.key}`);
  }
});

test("fast-release finds a dead idle peer in 90 s; cloud-lb probes under every middlebox timeout", () => {
  const values = (name: string) => new Map(loadProfile(name).settings.map((s) => [s.key, s.value]));
  assert.equal(keepaliveDetectionSeconds(values("fast-release")), 90);
  const cloud = values("cloud-lb");
  const first = Number(cloud.get("net.ipv4.tcp_keepalive_time"));
  for (const mb of MIDDLEBOX_IDLE_TIMEOUTS) assert.ok(first < mb.seconds, mb.name);
  assert.equal(values("kernel-default").get("net.ipv4.ip_local_port_range"), "32768 60999");
});

function refused(text: string): ConfigError {
  try {
    parseProfile(text, "mine.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail("profile was accepted");
}

const head = "name: mine\ndescription: test\nsettings:\n";

test("a bad profile is refused with file, line and key", () => {
  const e1 = refused(
    `${head}  net.ipv4.tcp_keepalive_time:\n    value: 60\n    reason: fast\n    source: me\n  net.ipv4.tcp_tw_reuse:\n    value: 7\n    reason: x\n    source: y\n`,
  );
  assert.equal(e1.file, "mine.yaml");
  assert.equal(e1.line, 9);
  assert.equal(e1.key, "net.ipv4.tcp_tw_reuse");
  assert.match(e1.message, /^mine\.yaml: line 9: net\.ipv4\.tcp_tw_reuse: value "7" 7 is outside 0\.\.2/);

  const e2 = refused(`${head}  net.ipv4.tcp_fin_timeout:\n    value: 15\n    source: y\n`);
  assert.equal(e2.key, "net.ipv4.tcp_fin_timeout");
  assert.equal(e2.line, 5);

  const e3 = refused(`${head}  net.ipv4.tcp_tw_recycle:\n    value: 1\n    reason: x\n    source: y\n`);
  assert.match(e3.message, /line 5: net\.ipv4\.tcp_tw_recycle: refused: .*removed in Linux 4\.12.*NAT/);

  const e4 = refused(
    `${head}  net.ipv4.ip_local_port_range:\n    value: "60999 32768"\n    reason: x\n    source: y\n`,
  );
  assert.match(e4.message, /low is greater than high/);

  const e5 = refused("name: a\ndescription: b\nname: c\n");
  assert.equal(e5.line, 3);
  assert.match(e5.message, /not valid YAML/);
  assert.equal(refused(`${head}  bogus:\n    value: 1\n    reason: x\n    source: y\n`).key, "bogus");
});

test("an unknown profile name says which exist", () => {
  assert.throws(
    () => loadProfile("no-such-profile"),
    (e: unknown) =>
      e instanceof IdlereapError && e.code === "IDLEREAP_ERR_TUNE_PROFILE" && /fast-release/.test(e.message),
  );
  // Bad input, so the CLI exits 2 for it, as for any other bad flag value.
  assert.throws(
    () => loadProfile("a b"),
    (e: unknown) => e instanceof InputError && /--profile: "a b"/.test(e.message),
  );
  assert.throws(() => loadProfile("no-such-profile"), InputError);
});
