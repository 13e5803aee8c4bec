// `firewall apply|status|remove`: per-port conntrack idle timeouts in idlereap's own nftables table,
// plus shortening the flows that already exist. Other tables are never read for change or touched.
import { IdlereapError } from "../errors.js";
import { type Flow, parseConntrackList, updateArgs } from "./conntrack.js";
import { type PortTimeout, parseTableJson, replaceScript, TABLE_FAMILY, TABLE_NAME } from "./ruleset.js";
import { type ToolPaths, Tools } from "./tools.js";

export const DEFAULT_ESTABLISHED_S = 60;
export const DEFAULT_CLOSE_WAIT_S = 10;

export const EXPIRY_WARNING =
  "an expired flow is dropped silently: no RST reaches either end, which hang until tcp_retries2 or TCP_USER_TIMEOUT; " +
  "pair these timeouts with keepalive (shorter than the established timeout) or a user timeout";

export interface FirewallOptions {
  /** Namespace file (/run/netns/NAME, /proc/PID/ns/net); undefined: idlereap's own namespace. */
  readonly netnsPath?: string | undefined;
  readonly tools?: ToolPaths;
}

export interface ApplyFirewallOptions extends FirewallOptions {
  readonly ports: readonly PortTimeout[];
  /** false: only say what would be done. */
  readonly yes: boolean;
}

export interface FlowUpdate {
  readonly flow: Flow;
  readonly from: number;
  readonly to: number;
  readonly ok: boolean;
}

export interface ApplyFirewallResult {
  readonly applied: boolean;
  readonly ports: readonly PortTimeout[];
  readonly script: string;
  readonly commands: readonly string[];
  readonly updates: readonly FlowUpdate[];
  readonly warning: string;
}

export function installedPorts(tools: Tools): PortTimeout[] {
  const r = tools.run("nft", ["-j", "list", "table", TABLE_FAMILY, TABLE_NAME]);
  if (r.status !== 0) {
    if (/No such file or directory/.test(r.stderr)) return [];
    throw new IdlereapError("IDLEREAP_ERR_FIREWALL_APPLY", `nft list table failed: ${r.stderr.trim()}`);
  }
  return parseTableJson(r.stdout);
}

export function listFlows(tools: Tools, port: number): Flow[] {
  const flows: Flow[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const r = tools.run("conntrack", ["-L", "-f", family, "-p", "tcp", "--dport", String(port)]);
    if (r.status === 0) flows.push(...parseConntrackList(r.stdout, family));
  }
  return flows;
}

/** Flows of `port` whose remaining timeout is longer than the one asked for their state. */
function flowsToShorten(tools: Tools, p: PortTimeout): { flow: Flow; to: number }[] {
  const out: { flow: Flow; to: number }[] = [];
  for (const flow of listFlows(tools, p.port)) {
    const to =
      flow.state === "ESTABLISHED" ? p.established : flow.state === "CLOSE_WAIT" ? p.closeWait : undefined;
    if (to !== undefined && flow.timeout > to) out.push({ flow, to });
  }
  return out;
}

export function applyFirewall(opts: ApplyFirewallOptions): ApplyFirewallResult {
  const tools = new Tools(opts.netnsPath, opts.tools);
  tools.check();
  const merged = new Map(installedPorts(tools).map((p) => [p.port, p]));
  for (const p of opts.ports) merged.set(p.port, p);
  const ports = [...merged.values()].sort((a, b) => a.port - b.port);
  const script = replaceScript(ports);
  const pending = opts.ports.flatMap((p) => flowsToShorten(tools, p));
  const commands = [
    `${tools.describe("nft", ["-f", "-"])} <<'EOF'\n${script}EOF`,
    ...pending.map((u) => tools.describe("conntrack", updateArgs(u.flow, u.to))),
  ];
  if (!opts.yes) return { applied: false, ports, script, commands, updates: [], warning: EXPIRY_WARNING };
  const r = tools.run("nft", ["-f", "-"], script);
  if (r.status !== 0) {
    throw new IdlereapError(
      "IDLEREAP_ERR_FIREWALL_APPLY",
      `nft refused the ruleset: ${r.stderr.trim()}\n${script}`,
    );
  }
  const updates = pending.map(({ flow, to }) => ({
    flow,
    from: flow.timeout,
    to,
    ok: tools.run("conntrack", updateArgs(flow, to)).status === 0,
  }));
  return { applied: true, ports, script, commands, updates, warning: EXPIRY_WARNING };
}

export interface FirewallStatus {
  readonly installed: boolean;
  readonly ports: readonly (PortTimeout & { readonly flows: readonly Flow[] })[];
}

export function firewallStatus(opts: FirewallOptions = {}): FirewallStatus {
  const tools = new Tools(opts.netnsPath, opts.tools);
  tools.check();
  const r = tools.run("nft", ["-j", "list", "table", TABLE_FAMILY, TABLE_NAME]);
  if (r.status !== 0 && /No such file or directory/.test(r.stderr)) return { installed: false, ports: [] };
  if (r.status !== 0)
    throw new IdlereapError("IDLEREAP_ERR_FIREWALL_APPLY", `nft list table failed: ${r.stderr.trim()}`);
  const ports = parseTableJson(r.stdout).map((p) => ({ ...p, flows: listFlows(tools, p.port) }));
  return { installed: true, ports };
}

export interface RemoveFirewallResult {
  readonly removed: boolean;
  readonly installed: boolean;
  readonly command: string;
}

export function removeFirewall(opts: FirewallOptions & { readonly yes: boolean }): RemoveFirewallResult {
  const tools = new Tools(opts.netnsPath, opts.tools);
  tools.check();
  const args = ["delete", "table", TABLE_FAMILY, TABLE_NAME];
  const command = tools.describe("nft", args);
  const installed = installedPorts(tools).length > 0 || tableExists(tools);
  if (!opts.yes || !installed) return { removed: false, installed, command };
  const r = tools.run("nft", args);
  if (r.status !== 0)
    throw new IdlereapError("IDLEREAP_ERR_FIREWALL_APPLY", `nft delete table failed: ${r.stderr.trim()}`);
  return { removed: true, installed, command };
}

function tableExists(tools: Tools): boolean {
  return tools.run("nft", ["list", "table", TABLE_FAMILY, TABLE_NAME]).status === 0;
}
