// Builds the single executable (scripts/build-sea.mjs) once per test process, for the tests of the
// executable, the container image and the systemd unit; CI builds it once and names it in
// IDLEREAP_SEA instead.
import { execFileSync } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;
let built: string | undefined;

/** Path of a freshly built dist/sea/idlereap, or of the one IDLEREAP_SEA names. */
export function buildSingleExecutable(): string {
  built ??= process.env.IDLEREAP_SEA || undefined;
  if (built === undefined) {
    execFileSync(process.execPath, ["scripts/build-sea.mjs"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    built = `${root}dist/sea/idlereap`;
  }
  return built;
}
