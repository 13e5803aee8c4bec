// firewall's duration flags: a timeout conntrack cannot hold is refused before any plan is printed.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;

test("firewall apply --established past 24.8 days is refused with the flag and the bound, exit 2", async () => {
  const r = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    CLI,
    "firewall",
    "apply",
    "--port",
    "8080",
    "--established",
    "30000d",
  ]).then(
    () => assert.fail("accepted"),
    (e: { code: number; stderr: string; stdout: string }) => e,
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--established: 30000d is longer than conntrack can hold \(at most 2147483s/);
  assert.equal(r.stdout, "", "no plan printed");
});
