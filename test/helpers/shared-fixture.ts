// Fixtures that run as an unprivileged user need a copy they can read: the checkout may live in a
// directory other users cannot enter (a `mktemp -d` folder, a home directory with mode 0700).
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
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
