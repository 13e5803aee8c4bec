// Builds the single executable (scripts/build-sea.mjs) once per test process, for the tests of the
// executable and of the container image.
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;
let built: string | undefined;

/** Path of a freshly built dist/sea/idlereap. */
export function buildSingleExecutable(): string {
  if (built === undefined) {
    execFileSync(process.execPath, ["scripts/build-sea.mjs"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    built = `${root}dist/sea/idlereap`;
  }
  return built;
}
