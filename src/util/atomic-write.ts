// Replaces a file atomically: a temporary file in the same directory, fsync, then rename.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { makeDir } from "../util/make-dir.js";

/** Writes `file` with `mode`; missing directories are created with `dirMode`, whatever the umask. */
export function writeFileAtomic(file: string, content: string, mode = 0o644, dirMode = 0o755): void {
  const dir = dirname(file);
  makeDir(dir, dirMode);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
