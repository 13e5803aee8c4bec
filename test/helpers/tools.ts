// Gate for tests that need an external tool: they skip naming the tool and the Debian package that
// installs it, but when IDLEREAP_REQUIRE_PRIVILEGED=1 (as in CI) a missing tool fails the test.
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

const found = new Map<string, boolean>();

export function hasTool(tool: string): boolean {
  let ok = found.get(tool);
  if (ok === undefined) {
    ok = spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
    found.set(tool, ok);
  }
  return ok;
}

/** Returns true when `tool` is on PATH; otherwise skips the test (or throws when tools are required). */
export function needsTool(t: TestContext, tool: string, debianPackage: string): boolean {
  if (hasTool(tool)) return true;
  const problem = `needs \`${tool}\` (apt-get install ${debianPackage})`;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1") {
    throw new Error(`IDLEREAP_REQUIRE_PRIVILEGED=1 but this test ${problem}`);
  }
  t.skip(problem);
  return false;
}
