import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  type Finding,
  lintFiles,
  normalizeKey,
  parseSysctlConf,
  precedenceOrder,
} from "../../src/tune/lint.js";
import { SYSCTLS } from "../../src/tune/sysctl-catalog.js";

const dir = join(import.meta.dirname, "..", "fixtures", "tune-sysctl");
const d = join(dir, "sysctl.d");
const lib = join(dir, "lib-sysctl.d");
const main = join(dir, "sysctl.conf");

// A kernel that has every key idlereap knows except tcp_tw_reuse_delay (as before 6.14), and no nf_conntrack.
const known = new Set(
  SYSCTLS.map((s) => s.key).filter((k) => !k.startsWith("net.netfilter") && !k.endsWith("reuse_delay")),
);
const exists = (k: string) => known.has(k);

function at(findings: Finding[], file: string, line: number): Finding[] {
  return findings.filter((f) => f.file === file && f.line === line);
}

test("parses sysctl.conf syntax: comments, '-' prefix, slashes, tabs", () => {
  const { entries, findings } = parseSysctlConf(
    "# c\n; c\n\n -net/ipv4/tcp_fin_timeout=30\nfoo\na.b = 1\t 2\n",
    "f",
  );
  assert.deepEqual(entries, [
    { line: 4, key: "net.ipv4.tcp_fin_timeout", value: "30", ignoreErrors: true },
    { line: 6, key: "a.b", value: "1 2", ignoreErrors: false },
  ]);
  assert.equal(findings[0]?.line, 5);
  assert.equal(normalizeKey("net.ipv4.conf/eth0.1/rp_filter"), "net.ipv4.conf/eth0.1/rp_filter");
  assert.equal(normalizeKey("net/ipv4/conf/eth0.1/rp_filter"), "net.ipv4.conf.eth0.1.rp_filter");
});

test("files are read in sysctl --system order; a name given twice is read once; sysctl.conf last", () => {
  const { files, shadowed } = precedenceOrder([main, d, lib]);
  assert.deepEqual(files, [
    join(d, "10-network.conf"),
    join(lib, "50-clean.conf"),
    join(d, "99-override.conf"),
    main,
  ]);
  assert.equal(shadowed.length, 1);
  assert.equal(shadowed[0]?.file, join(lib, "10-network.conf"));
});

test("folklore, removed and unknown keys, bad values and overrides are reported at file:line", () => {
  const f = lintFiles([d, lib, main], { exists });
  const net = join(d, "10-network.conf");
  const over = join(d, "99-override.conf");
  assert.match(at(f, net, 2)[0]?.message ?? "", /tcp_tw_recycle removed in Linux 4\.12.*NAT/);
  assert.equal(at(f, net, 2)[0]?.severity, "error");
  assert.match(at(f, net, 3)[0]?.message ?? "", /not in the mainline kernel/);
  assert.match(at(f, net, 4)[0]?.message ?? "", /does not shorten TIME_WAIT/);
  assert.equal(at(f, net, 4)[0]?.severity, "warning");
  assert.deepEqual(
    at(f, net, 6).map((x) => [x.severity, x.message]),
    [["error", "net.ipv4.tcp_tw_reuse = 3: 3 is outside 0..2"]],
  );
  assert.match(at(f, net, 7)[0]?.message ?? "", /different parity/);
  assert.match(at(f, net, 9)[0]?.message ?? "", /not "key = value"/);
  assert.match(
    at(f, over, 2)[0]?.message ?? "",
    /tcp_keepalive_time = 300 overrides 600 set at .*10-network\.conf:5/,
  );
  assert.deepEqual(
    at(f, over, 3).map((x) => x.severity),
    ["warning"],
    "a '-' key that does not exist is only a warning",
  );
  assert.match(at(f, over, 4)[0]?.message ?? "", /destroys TIME_WAIT sockets early/);
  assert.match(at(f, main, 2)[0]?.message ?? "", /somaxconn = 4096 overrides 65535/);
  assert.deepEqual(at(f, main, 3), [], "the same value again is not an override");
  assert.match(at(f, join(lib, "10-network.conf"), 1)[0]?.message ?? "", /never read/);
  assert.equal(f.filter((x) => x.severity === "error").length, 4);
});

test("keys of modules not loaded yet are warnings; unknown keys are errors", (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "idlereap-lint-"));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const file = join(tmp, "20-ct.conf");
  writeFileSync(file, "net.netfilter.nf_conntrack_max = 1000000\nnet.ipv4.tcp_keepalive_tim = 60\n");
  const f = lintFiles([file], { exists });
  assert.deepEqual(
    f.map((x) => [x.line, x.severity]),
    [
      [1, "warning"],
      [2, "error"],
    ],
  );
  assert.match(f[0]?.message ?? "", /appears when its module loads/);
  assert.match(f[1]?.message ?? "", /unknown key on this kernel: net\.ipv4\.tcp_keepalive_tim/);
});

test("a line with an empty key is a syntax finding, not silently skipped", () => {
  const { entries, findings } = parseSysctlConf(" = 30\n- = 1\nnet.ipv4.tcp_fin_timeout = 30\n", "a.conf");
  assert.deepEqual(
    findings.map((f) => [f.line, f.severity]),
    [
      [1, "error"],
      [2, "error"],
    ],
  );
  assert.equal(entries.length, 1);
});
