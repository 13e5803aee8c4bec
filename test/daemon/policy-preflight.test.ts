// `run --check` makes every check `run` makes before acting, and creates or changes nothing.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { preflightPolicy } from "../../src/daemon/policy-preflight.js";
import { ConfigError } from "../../src/errors.js";
import { parsePolicy } from "../../src/policy/policy-load.js";

const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;
const run = promisify(execFile);

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> | void {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-preflight-"));
  const done = () => rmSync(dir, { recursive: true, force: true });
  try {
    const r = fn(dir);
    if (r instanceof Promise) return r.finally(done);
    done();
  } catch (err) {
    done();
    throw err;
  }
}

const policyWith = (yaml: string) => parsePolicy(`${yaml}\nrules: [{ name: a }]\n`, "p.yaml");

function refusal(yaml: string): string {
  try {
    preflightPolicy(policyWith(yaml), "p.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted: ${yaml}`);
}

test("audit.file: a directory, a symbolic link or a path under a file is refused by key", () =>
  withDir((dir) => {
    writeFileSync(join(dir, "plain"), "");
    symlinkSync(join(dir, "plain"), join(dir, "link"));
    assert.match(refusal(`audit: { file: ${dir} }`), /^p\.yaml: audit\.file: .* is a directory/);
    assert.match(refusal(`audit: { file: ${dir}/link }`), /audit\.file: .* is a symbolic link/);
    assert.match(refusal(`audit: { file: ${dir}/plain/x.log }`), /audit\.file: .*ENOTDIR/);
    assert.match(refusal(`audit: { file: ${dir}/plain/sub/x.log }`), /audit\.file: .*not a directory/);
  }));

test("audit.file: a file that can be created is accepted, and checking creates nothing", () =>
  withDir((dir) => {
    const file = join(dir, "new", "deeper", "audit.jsonl");
    assert.deepEqual(preflightPolicy(policyWith(`audit: { file: ${file} }`)), []);
    assert.equal(existsSync(join(dir, "new")), false);
    writeFileSync(join(dir, "old.jsonl"), "");
    assert.deepEqual(preflightPolicy(policyWith(`audit: { file: ${dir}/old.jsonl }`)), []);
  }));

test("namespaces: a relative path or a file that is not a namespace is refused; a missing name is a warning", () =>
  withDir((dir) => {
    assert.match(
      refusal("namespaces: ['../../etc']"),
      /^p\.yaml: namespaces\[0\]: "\.\.\/\.\.\/etc" is neither a name/,
    );
    assert.match(refusal("namespaces: [current, '..']"), /namespaces\[1\]: /);
    assert.match(refusal("namespaces: [/etc]"), /namespaces\[0\]: "\/etc" is not a network namespace/);
    mkdirSync(join(dir, "d"));
    assert.match(refusal(`namespaces: [${dir}/d]`), /is not a network namespace/);
    const warnings = preflightPolicy(policyWith("namespaces: [current, all, idlereap-none-such]"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /namespaces\[2\]: network namespace "idlereap-none-such" not found/);
  }));

test("run --check refuses what run refuses, exit 2 with file and key, no stack trace", () =>
  withDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ['metrics: { listen: "127.0.0.1:99999" }', /metrics\.listen: .*out of range/],
      ['metrics: { listen: "999.999.999.999:9848" }', /metrics\.listen: .*not an IPv4 address/],
      [`audit: { file: ${dir} }`, /audit\.file: .*is a directory/],
      ["namespaces: ['../../etc']", /namespaces\[0\]: /],
    ];
    const file = join(dir, "policy.yaml");
    for (const [yaml, re] of cases) {
      writeFileSync(file, `${yaml}\nrules: [{ name: a }]\n`);
      const err = await run(process.execPath, [
        "--import",
        "tsx",
        CLI,
        "run",
        "--check",
        "--config",
        file,
      ]).then(
        () => assert.fail(`--check accepted ${yaml}`),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(err.code, 2, yaml);
      assert.match(err.stderr, re);
      assert.ok(err.stderr.includes(file), err.stderr);
      assert.doesNotMatch(err.stderr, /\n\s+at /, "no stack trace");
    }
  }));
