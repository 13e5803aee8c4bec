// External tools the deploy tests need (the Debian package `prometheus` ships both): a missing one
// skips the test with the package to install, or fails it when IDLEREAP_REQUIRE_PRIVILEGED=1 (CI).
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

export function haveTool(t: TestContext, tool: string, debianPackage: string): boolean {
  if (spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0) return true;
  const why = `${tool} is not installed (Debian package ${debianPackage})`;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1")
    throw new Error(`IDLEREAP_REQUIRE_PRIVILEGED=1 but ${why}`);
  t.skip(why);
  return false;
}
