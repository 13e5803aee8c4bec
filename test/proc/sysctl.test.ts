import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  readSysctl,
  readSysctlInt,
  readSysctlInts,
  readSysctls,
  readSysctlValue,
  sysctlFile,
  sysctlPath,
  writeSysctl,
} from "../../src/proc/sysctl.js";

const root = mkdtempSync(join(tmpdir(), "idlereap-sysctl-"));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "sys/net/ipv4"), { recursive: true });
mkdirSync(join(root, "sys/fs"), { recursive: true });
writeFileSync(join(root, "sys/net/ipv4/tcp_keepalive_time"), "7200\n");
writeFileSync(join(root, "sys/net/ipv4/ip_local_port_range"), "32768\t60999\n");
writeFileSync(join(root, "sys/net/ipv4/tcp_congestion_control"), "cubic\n");
writeFileSync(join(root, "sys/fs/file-max"), "9223372036854775807\n");

test("dotted and slashed keys name the same file", () => {
  assert.equal(
    sysctlPath("net.ipv4.tcp_keepalive_time", root),
    join(root, "sys/net/ipv4/tcp_keepalive_time"),
  );
  assert.equal(
    sysctlPath("net/ipv4/tcp_keepalive_time", root),
    join(root, "sys/net/ipv4/tcp_keepalive_time"),
  );
});

test("integers, tuples and missing keys", () => {
  assert.equal(readSysctlInt("net.ipv4.tcp_keepalive_time", root), 7200);
  assert.deepEqual(readSysctlInts("net/ipv4/ip_local_port_range", root), [32768, 60999]);
  assert.equal(readSysctlInt("net/ipv4/ip_local_port_range", root), undefined, "a tuple is not one integer");
  assert.equal(readSysctlInt("net/ipv4/tcp_congestion_control", root), undefined);
  assert.equal(readSysctl("net/ipv4/tcp_congestion_control", root), "cubic");
  assert.equal(readSysctlInt("net/netfilter/nf_conntrack_max", root), undefined);
  assert.equal(readSysctlInt("fs/file-max", root), 2 ** 63);
});

test("readSysctls leaves missing keys out", () => {
  const all = readSysctls(undefined, root);
  assert.deepEqual([...all.keys()].sort(), [
    "fs/file-max",
    "net/ipv4/ip_local_port_range",
    "net/ipv4/tcp_keepalive_time",
  ]);
});

test("the real kernel answers the status keys", () => {
  assert.ok((readSysctlInt("net/ipv4/tcp_keepalive_time") ?? 0) > 0);
  assert.equal(readSysctlInts("net/ipv4/ip_local_port_range")?.length, 2);
  assert.ok((readSysctlInt("fs/file-max") ?? 0) > 0);
});

test("the tune side of the layer: /proc/sys roots, normalised values, writes that stay under the root", () => {
  const sys = join(root, "sys");
  assert.equal(sysctlFile("net.ipv4.tcp_keepalive_time", sys), join(sys, "net/ipv4/tcp_keepalive_time"));
  assert.equal(readSysctlValue("net.ipv4.ip_local_port_range", sys), "32768 60999");
  assert.equal(readSysctlValue("net.ipv4.no_such_key", sys), undefined);
  writeSysctl("net.ipv4.tcp_keepalive_time", "60", sys);
  assert.equal(readSysctlValue("net.ipv4.tcp_keepalive_time", sys), "60");
  writeSysctl("net.ipv4.tcp_keepalive_time", "7200", sys);
  assert.throws(() => writeSysctl("net.ipv4.tcp_made_up", "1", sys), { code: "ENOENT" });
  for (const bad of ["net/../../etc/passwd", "..", "net//ipv4", "/etc/passwd", "net/ipv4/"]) {
    assert.throws(() => sysctlFile(bad, sys), /not a sysctl key/, bad);
    assert.equal(readSysctlValue(bad, sys), undefined, bad);
  }
});
