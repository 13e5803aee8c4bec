// The container image (npm run build:image): built with podman from the Containerfile, without a
// base image, then run from its own filesystem (podman image mount + chroot), since containers
// cannot be started on every machine (crun refuses cgroups in hybrid mode).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { buildSingleExecutable } from "../helpers/single-executable.js";
import { needsTools } from "../helpers/tools.js";

const root = new URL("../../", import.meta.url).pathname;
const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

test("the image builds and its idlereap runs status, ls --json and run --check", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "podman")) return;
  buildSingleExecutable();
  const tag = `localhost/idlereap-test:${process.pid}`;
  execFileSync(process.execPath, ["scripts/build-image.mjs", "--tag", tag], { cwd: root, stdio: "ignore" });
  t.after(() => {
    spawnSync("podman", ["image", "umount", tag], { stdio: "ignore" });
    spawnSync("podman", ["rmi", "--force", tag], { stdio: "ignore" });
  });
  const mnt = execFileSync("podman", ["image", "mount", tag], { encoding: "utf8" }).trim();

  // Nothing but the executable, its libraries, the data files and empty mount points.
  const libs = readdirSync(join(mnt, "lib/x86_64-linux-gnu")).sort();
  assert.ok(libs.includes("libc.so.6") && libs.includes("libstdc++.so.6"), libs.join(" "));
  assert.ok(libs.length <= 8, `more libraries than ldd lists: ${libs.join(" ")}`);
  assert.deepEqual(readdirSync(join(mnt, "usr/share/idlereap")).sort(), ["policies", "profiles"]);

  // In a private mount namespace, as a runtime would: /proc, /sys, a writable /tmp, and the audit
  // directory as the DaemonSet mounts it (run --check makes sure the audit log can be written).
  const inImage = (netns: string, command: string) =>
    spawnSync(
      "ip",
      [
        "netns",
        "exec",
        netns,
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        `mount --bind /proc "$0/proc" && mount --bind /sys "$0/sys" && mount -t tmpfs tmpfs "$0/tmp" && mount -t tmpfs tmpfs "$0/var/log/idlereap" && ${command}`,
        mnt,
      ],
      { env, encoding: "utf8" },
    );
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<{ port: number }>(conns, [JSON.stringify({ idle: 2, closeWait: 1 })]);
    const status = inImage(ns.name, 'chroot "$0" /usr/local/bin/idlereap status');
    assert.ok(status.status === 0 || status.status === 1, status.stderr);
    assert.match(status.stdout, /netns \S+: \d+ TCP sockets/);
    assert.match(status.stdout, /close-wait\s+1/);
    const ls = inImage(ns.name, 'chroot "$0" /usr/local/bin/idlereap ls --json --state established');
    assert.equal(ls.status, 0, ls.stderr);
    const rows = JSON.parse(ls.stdout) as { pid: number | null }[];
    assert.equal(rows.length, 4);
    assert.ok(
      rows.every((r) => r.pid === f.pid),
      "owners found through the image's koffi",
    );
    const check = inImage(
      ns.name,
      'chroot "$0" /usr/local/bin/idlereap run --check --config /usr/share/idlereap/policies/kubernetes-node.yaml',
    );
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /valid/);
    // Any user can start it: the files are world-readable and /tmp is writable by all.
    const nobody = inImage(ns.name, 'chroot --userspec=65534:65534 "$0" /usr/local/bin/idlereap --version');
    assert.equal(nobody.status, 0, nobody.stderr);
  });
});
