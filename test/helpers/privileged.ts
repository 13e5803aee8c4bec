// Gate for tests that need root and network namespaces: they skip with a reason on an unprivileged
// machine, but when IDLEREAP_REQUIRE_PRIVILEGED=1 (as in CI) a missing privilege fails the test.
import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";

let cached: string | null | undefined;

/** Why privileged tests cannot run here, or null when they can. */
export function privilegeProblem(): string | null {
  if (cached !== undefined) return cached;
  if (process.getuid?.() !== 0) {
    cached = "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to create network namespaces";
    return cached;
  }
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
    cached = null;
  } catch {
    cached = "needs the `ip` tool from iproute2";
  }
  return cached;
}

/** Returns true when the test may go on; otherwise skips it (or throws when privileges are required). */
export function needsPrivilege(t: TestContext): boolean {
  const problem = privilegeProblem();
  if (problem === null) return true;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1") {
    throw new Error(`IDLEREAP_REQUIRE_PRIVILEGED=1 but this test ${problem}`);
  }
  t.skip(problem);
  return false;
}
