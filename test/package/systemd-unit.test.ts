// The systemd unit: `systemd-analyze verify` accepts it with its documented executable in place, its
// `systemd-analyze security` exposure stays at 3.0 or lower, and the way it runs idlereap (a user
// that is not root, holding only the unit's ambient capabilities) can still see owners and close a
// connection gracefully in another network namespace.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { buildSingleExecutable } from "../helpers/single-executable.js";
import { needsTools } from "../helpers/tools.js";

const root = new URL("../../", import.meta.url).pathname;
const UNIT = `${root}deploy/systemd/idlereap.service`;
const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const unit = readFileSync(UNIT, "utf8");
const setting = (key: string) =>
  [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1] as string);

test("systemd-analyze security rates the unit 3.0 or lower", (t) => {
  if (!needsTools(t, "systemd-analyze")) return;
  const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", UNIT], {
    encoding: "utf8",
  });
  const score = /Overall exposure level for idlereap\.service: ([\d.]+)/.exec(r.stdout);
  assert.ok(score, r.stdout + r.stderr);
  t.diagnostic(`exposure ${score[1]}`);
  assert.ok(Number(score[1]) <= 3.0, `exposure ${score[1]} > 3.0`);
});

test("systemd-analyze verify accepts the unit with the executable at its documented path", (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "systemd-analyze")) return;
  const [start] = setting("ExecStart");
  assert.match(start ?? "", /^\/usr\/local\/bin\/idlereap run --config /);
  const exe = buildSingleExecutable();
  // /usr/local/bin replaced by a tmpfs holding the executable, in a private mount namespace only.
  const r = spawnSync(
    "unshare",
    [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs tmpfs /usr/local/bin && cp "$0" /usr/local/bin/idlereap && systemd-analyze verify "$1"',
      exe,
      UNIT,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stderr.trim(), "", "verify printed warnings");
});

test("as a non-root user with the unit's ambient capabilities, idlereap sees owners and closes", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "setpriv")) return;
  assert.deepEqual(setting("DynamicUser"), ["yes"]);
  const [ambient] = setting("AmbientCapabilities");
  assert.deepEqual(setting("CapabilityBoundingSet"), [ambient]);
  const caps = (ambient ?? "")
    .split(/\s+/)
    .map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)
    .join(",");
  const exe = buildSingleExecutable();
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<{ port: number; groups: { closeWait: number[] } }>(conns, [
      JSON.stringify({ idle: 1, closeWait: 1 }),
    ]);
    const asService = (args: string[]) =>
      execFileSync(
        "setpriv",
        [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          `--inh-caps=-all,${caps}`,
          `--ambient-caps=-all,${caps}`,
          `--bounding-set=-all,${caps}`,
          exe,
          ...args,
          "--netns",
          ns.name,
        ],
        { encoding: "utf8", env: { PATH: "/usr/bin:/bin", TMPDIR: "/tmp" } },
      );
    const rows = JSON.parse(asService(["ls", "--json", "--state", "established,close-wait"])) as {
      pid: number | null;
      state: string;
    }[];
    assert.ok(rows.length >= 3, JSON.stringify(rows));
    assert.ok(
      rows.every((r) => r.pid === f.pid),
      "owners of another user's process are found",
    );
    const out = JSON.parse(asService(["kill", "--state", "close-wait", "--yes", "--json"])) as {
      outcomes: { result: string }[];
    };
    // The fixture never closes its side: the connection is freed and its descriptor still held.
    assert.deepEqual(
      out.outcomes.map((o) => o.result),
      ["closed-held"],
    );
    const after = JSON.parse(asService(["ls", "--json", "--state", "close-wait"])) as unknown[];
    assert.deepEqual(after, []);
  });
});
