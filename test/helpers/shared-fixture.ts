// Fixtures that run as an unprivileged user need a copy they can read: the checkout may live in a
// directory other users cannot enter (a `mktemp -d` folder, a home directory with mode 0700).

import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

let dir: string | undefined;

/**
 * Copies a self-contained fixture (one that imports only node: modules) to a directory every user
 * can read, removed when the test process exits, and returns the copy's path.
 */
export function sharedFixture(path: string): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), "idlereap-fixture-"));
    chmodSync(made, 0o755);
    process.on("exit", () => rmSync(made, { recursive: true, force: true }));
    dir = made;
  }
  const copy = join(dir, basename(path));
  copyFileSync(path, copy);
  chmodSync(copy, 0o644);
  return copy;
}

const ROOT = new URL("../../", import.meta.url).pathname;
let cli: string | undefined;

/**
 * A copy of the built command line (bin, dist/bundle, package.json, profiles, koffi) that every user
 * can read, for running the CLI as another user from a checkout they cannot enter; the path of its
 * bin/idlereap.cjs, or undefined before `npm run build`.
 */
export function sharedCli(): string | undefined {
  if (cli !== undefined) return cli;
  if (!existsSync(join(ROOT, "dist/bundle/idlereap.cjs"))) return undefined;
  const made = mkdtempSync(join(tmpdir(), "idlereap-cli-"));
  process.on("exit", () => rmSync(made, { recursive: true, force: true }));
  for (const part of [
    "bin",
    "dist/bundle",
    "package.json",
    "profiles",
    "node_modules/koffi",
    "node_modules/@koromix",
  ]) {
    if (existsSync(join(ROOT, part))) cpSync(join(ROOT, part), join(made, part), { recursive: true });
  }
  // cpSync keeps the modes of a 0700 checkout's files only where they were readable; open it all up.
  spawnSync("chmod", ["-R", "a+rX", made]);
  cli = join(made, "bin/idlereap.cjs");
  return cli;
}
