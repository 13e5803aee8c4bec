// Gate for tests that need an external tool (nft, conntrack, promtool, podman...): they skip naming
// the tool and the Debian package that gives it, and fail when IDLEREAP_REQUIRE_PRIVILEGED=1 (CI).
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestContext } from "node:test";

/** The Debian package that installs each tool the tests use. */
export const DEBIAN_PACKAGE: Readonly<Record<string, string>> = Object.freeze({
  nft: "nftables",
  conntrack: "conntrack",
  promtool: "prometheus",
  podman: "podman",
  buildah: "buildah",
  setpriv: "util-linux",
  nsenter: "util-linux",
  prlimit: "util-linux",
  "systemd-analyze": "systemd",
  tmux: "tmux",
  python3: "python3",
});

/**
 * Where `name` is, or undefined. Looks where src/firewall/tools.ts looks (PATH, then /usr/sbin and
 * /sbin), so that a test runs exactly when the code under test would find the tool.
 */
export function findTestTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"].filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/** What is missing among `tools`, as a skip reason, or null when all are there. */
export function toolsProblem(tools: readonly string[]): string | null {
  const missing = tools.filter((tool) => findTestTool(tool) === undefined);
  if (missing.length === 0) return null;
  const names = missing.map((tool) => `${tool} (Debian package ${DEBIAN_PACKAGE[tool] ?? tool})`);
  return `needs ${names.join(" and ")}, not found in PATH, /usr/sbin or /sbin`;
}

/** Returns true when every tool is present; otherwise skips the test, or throws when CI requires it. */
export function needsTools(t: TestContext, ...tools: string[]): boolean {
  const problem = toolsProblem(tools);
  if (problem === null) return true;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1") {
    throw new Error(`IDLEREAP_REQUIRE_PRIVILEGED=1 but this test ${problem}`);
  }
  t.skip(problem);
  return false;
}
