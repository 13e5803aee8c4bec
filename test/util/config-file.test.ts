// Hostile configuration files: FIFOs, devices, directories, huge files, YAML alias bombs and deep
// nesting are refused with a clear error (exit 2) by the policy, profile and lint readers alike.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { parseProfile } from "../../src/tune/profile.js";
import { MAX_CONFIG_BYTES, readConfigFile } from "../../src/util/config-file.js";
import { runCli } from "../helpers/cli.js";

const CLI = join(import.meta.dirname, "..", "..", "src", "cli", "dev-entry.ts");

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-cfg-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The CLI in a child process with a timeout: a reader that blocks on a FIFO fails instead of hanging. */
function cliWithTimeout(args: string[]): { status: number | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    timeout: 15_000,
    killSignal: "SIGKILL",
  });
  return { status: r.status, stderr: r.stderr, timedOut: r.signal === "SIGKILL" };
}

function commandsReading(path: string): string[][] {
  return [
    ["run", "--check", "--config", path],
    ["tune", "apply", "--profile", path],
    ["tune", "lint", path],
  ];
}

test("a FIFO as policy, profile or lint path is refused at once, not waited on", (t) => {
  const dir = tempDir(t);
  const fifo = join(dir, "policy.yaml");
  const made = spawnSync("mkfifo", [fifo]);
  if (made.status !== 0) return t.skip("needs mkfifo (Debian package coreutils)");
  for (const args of commandsReading(fifo)) {
    const r = cliWithTimeout(args);
    assert.equal(r.timedOut, false, `${args.join(" ")} hung on a FIFO`);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /is a FIFO, not a regular file \[IDLEREAP_ERR_CONFIG_FILE\]/);
  }
});

test("/dev/zero, a directory and a file past the size cap are refused without being read", async (t) => {
  const dir = tempDir(t);
  const big = join(dir, "big.yaml");
  writeFileSync(big, `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
  const folder = join(dir, "folder.yaml");
  mkdirSync(folder);
  const cases: [string, RegExp][] = [
    ["/dev/zero", /is a character device, not a regular file/],
    [big, new RegExp(`is larger than ${MAX_CONFIG_BYTES} bytes`)],
  ];
  for (const [path, why] of cases) {
    for (const args of commandsReading(path)) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /\[IDLEREAP_ERR_CONFIG_FILE\]/);
    }
  }
  for (const args of commandsReading(folder).slice(0, 2)) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /is a directory, not a regular file \[IDLEREAP_ERR_CONFIG_FILE\]/);
  }
  assert.throws(() => readConfigFile(folder, "policy"), /is a directory/);
});

const BOMB = (() => {
  let text = 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n';
  let prev = "a";
  for (const l of "bcdefghi") {
    text += `${l}: &${l} [${Array(9).fill(`*${prev}`).join(", ")}]\n`;
    prev = l;
  }
  return text;
})();

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String((err as Error)?.stack ?? err));
    return err;
  }
  assert.fail("accepted");
}

test("a YAML alias bomb is a clear configuration error in both loaders", () => {
  const p = configError(() => parsePolicy(BOMB, "p.yaml"));
  assert.match(p.message, /^p\.yaml: YAML: aliases expand past 100 copies/);
  const q = configError(() => parseProfile(BOMB, "q.yaml"));
  assert.match(q.message, /^q\.yaml: not valid YAML: aliases expand past 100 copies/);
});

test("YAML nested past 64 levels is refused before the parser recurses", () => {
  for (const text of [
    `rules: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    `rules: ${"{a: ".repeat(200)}1${"}".repeat(200)}\n`,
    Array.from({ length: 400 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"),
    Array.from({ length: 400 }, (_, i) => `${"  ".repeat(i)}- `).join("\n"),
  ]) {
    const p = configError(() => parsePolicy(text, "p.yaml"));
    assert.match(
      p.message,
      /^p\.yaml: line \d+: YAML nested too deeply \(more than 64 levels of \[ or \{, or 256 columns/,
    );
    const q = configError(() => parseProfile(text, "q.yaml"));
    assert.match(q.message, /nested too deeply/);
  }
});

test("the CLI turns an alias bomb into exit 2, with no stack trace", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "bomb.yaml");
  writeFileSync(file, BOMB);
  for (const args of [
    ["run", "--check", "--config", file],
    ["tune", "apply", "--profile", file],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /alias bomb.*\[IDLEREAP_ERR_CONFIG_INVALID\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("a file is read whole up to the cap, even one that reports size 0", () => {
  const status = readConfigFile("/proc/self/status", "policy");
  assert.match(status, /^Name:/);
  assert.match(status, /\nPid:\s+\d+\n/, "read to the end, not to the reported size 0");
  assert.throws(() => readConfigFile("/proc/self/status", "policy", 16), /is larger than 16 bytes/);
});
