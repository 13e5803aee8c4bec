// Runs nft and conntrack, inside a network namespace through nsenter when asked, and says clearly
// when a tool is missing.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { IdlereapError, PERMISSION_HINT } from "../errors.js";

export interface ToolPaths {
  readonly nft?: string;
  readonly conntrack?: string;
  readonly nsenter?: string;
}

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

const PACKAGE: Record<string, string> = { nft: "nftables", conntrack: "conntrack", nsenter: "util-linux" };

/** Finds an executable by name in PATH (plus the sbin directories) or checks an explicit path. */
export function findTool(name: string, explicit?: string): string {
  const candidates = explicit?.includes("/")
    ? [explicit]
    : [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"]
        .filter(Boolean)
        .map((d) => join(d, explicit ?? name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  const tool = explicit ?? name;
  throw new IdlereapError(
    "IDLEREAP_ERR_FIREWALL_TOOL_MISSING",
    `${tool} not found (install the ${PACKAGE[name] ?? name} package); idlereap firewall needs nft 1.0+ and conntrack`,
  );
}

/** How nft, conntrack and nsenter say they lack a privilege. */
const DENIED = /Operation not permitted|you must be root|Permission denied/i;

export class Tools {
  private readonly paths: ToolPaths;
  private readonly netnsPath: string | undefined;

  constructor(netnsPath: string | undefined, paths: ToolPaths = {}) {
    this.netnsPath = netnsPath;
    this.paths = paths;
  }

  /** Checks that nft, conntrack (and nsenter for a namespace) are present. */
  check(): void {
    findTool("nft", this.paths.nft);
    findTool("conntrack", this.paths.conntrack);
    if (this.netnsPath !== undefined) findTool("nsenter", this.paths.nsenter);
  }

  run(tool: "nft" | "conntrack", args: string[], input?: string): ToolResult {
    const bin = findTool(tool, this.paths[tool]);
    const [cmd, argv] =
      this.netnsPath === undefined
        ? [bin, args]
        : [findTool("nsenter", this.paths.nsenter), [`--net=${this.netnsPath}`, "--", bin, ...args]];
    const r = spawnSync(cmd, argv, { encoding: "utf8", input: input ?? "", maxBuffer: 1 << 28 });
    if (r.error)
      throw new IdlereapError("IDLEREAP_ERR_FIREWALL_TOOL_MISSING", `cannot run ${cmd}: ${r.error.message}`);
    // Refused for lack of privilege: the caller's error (with its own code) says what is missing.
    const denied = r.status !== 0 && DENIED.test(r.stderr);
    const stderr = denied ? `${r.stderr.trim()} (${PERMISSION_HINT})` : r.stderr;
    return { status: r.status ?? 1, stdout: r.stdout, stderr };
  }

  /** The command line `run` would execute, for dry runs. */
  describe(tool: "nft" | "conntrack", args: string[]): string {
    const base = [tool, ...args].join(" ");
    return this.netnsPath === undefined ? base : `nsenter --net=${this.netnsPath} -- ${base}`;
  }
}
