// `firewall apply|status|remove`: per-port conntrack idle timeouts in idlereap's own nftables table,
// plus shortening the flows that already exist. Other tables are never read for change or touched.
import { IdlereapError } from "../errors.js";
import { type Flow, parseConntrackList, updateArgs } from "./conntrack.js";
import { defaultEstablishedTimeout, netnsAt, untrackedConnections } from "./coverage.js";
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

/**
 * A flow that existed before the table: its remaining time was set to `to`, but the policy cannot
 * be attached to it, so its next packet restores the default timeout (`restoredTo` seconds).
 */
export interface FlowUpdate {
  readonly flow: Flow;
  readonly from: number;
  readonly to: number;
  readonly ok: boolean;
  /** nf_conntrack_tcp_timeout_established of the namespace, when readable. */
  readonly restoredTo: number | undefined;
}

/** Connections of a port with sockets but no conntrack entry: the policy reaches them at their next packet. */
export interface Untracked {
  readonly port: number;
  /** "client:port -> server:port"; undefined when the socket table could not be read. */
  readonly connections: readonly string[] | undefined;
}

export interface ApplyFirewallResult {
  readonly applied: boolean;
  readonly ports: readonly PortTimeout[];
  readonly script: string;
  readonly commands: readonly string[];
  readonly updates: readonly FlowUpdate[];
  readonly untracked: readonly Untracked[];
  readonly warning: string;
}

/** The ports in idlereap's table; a failure to read it is IDLEREAP_ERR_FIREWALL_READ. */
export function installedPorts(tools: Tools): PortTimeout[] {
  return readTable(tools) ?? [];
}

/** The ports in idlereap's table, or undefined when the table is not installed. */
function readTable(tools: Tools): PortTimeout[] | undefined {
  const r = tools.run("nft", ["-j", "list", "table", TABLE_FAMILY, TABLE_NAME]);
  if (r.status !== 0) {
    if (/No such file or directory/.test(r.stderr)) return undefined;
    throw new IdlereapError("IDLEREAP_ERR_FIREWALL_READ", `nft list table failed: ${r.stderr.trim()}`);
  }
  try {
    return parseTableJson(r.stdout);
  } catch (err) {
    throw new IdlereapError("IDLEREAP_ERR_FIREWALL_READ", `nft list table: ${(err as Error).message}`);
  }
}

export function listFlows(tools: Tools, port: number): Flow[] {
  const flows: Flow[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const r = tools.run("conntrack", ["-L", "-f", family, "-p", "tcp", "--dport", String(port)]);
    if (r.status !== 0) {
      throw new IdlereapError(
        "IDLEREAP_ERR_FIREWALL_READ",
        `conntrack -L -f ${family} failed: ${r.stderr.trim() || `exit ${r.status}`}`,
      );
    }
    flows.push(...parseConntrackList(r.stdout, family));
  }
  return flows;
}

/** Flows of `flows` whose remaining timeout is longer than the one asked for their state. */
function flowsToShorten(flows: readonly Flow[], p: PortTimeout): { flow: Flow; to: number }[] {
  const out: { flow: Flow; to: number }[] = [];
  for (const flow of flows) {
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
  const ns = netnsAt(opts.netnsPath);
  const flowsOf = new Map(opts.ports.map((p) => [p.port, listFlows(tools, p.port)]));
  const pending = opts.ports.flatMap((p) => flowsToShorten(flowsOf.get(p.port) ?? [], p));
  const untracked = opts.ports.map((p) => ({
    port: p.port,
    connections: untrackedConnections(ns, p.port, flowsOf.get(p.port) ?? []),
  }));
  const commands = [
    `${tools.describe("nft", ["-f", "-"])} <<'EOF'\n${script}EOF`,
    ...pending.map((u) => tools.describe("conntrack", updateArgs(u.flow, u.to))),
  ];
  if (!opts.yes) {
    return { applied: false, ports, script, commands, updates: [], untracked, warning: EXPIRY_WARNING };
  }
  const r = tools.run("nft", ["-f", "-"], script);
  if (r.status !== 0) {
    throw new IdlereapError(
      "IDLEREAP_ERR_FIREWALL_APPLY",
      `nft refused the ruleset: ${r.stderr.trim()}\n${script}`,
    );
  }
  const restoredTo = pending.length > 0 ? defaultEstablishedTimeout(ns) : undefined;
  const updates = pending.map(({ flow, to }) => ({
    flow,
    from: flow.timeout,
    to,
    ok: tools.run("conntrack", updateArgs(flow, to)).status === 0,
    restoredTo: flow.state === "ESTABLISHED" ? restoredTo : undefined,
  }));
  return { applied: true, ports, script, commands, updates, untracked, warning: EXPIRY_WARNING };
}

/** A flow as status shows it: under idlereap's policy, or one that predates the table. */
export interface FlowStatus extends Flow {
  /**
   * More time left than the port's policy allows: the flow predates the table, so the default
   * policy still applies to it and each packet restores the default timeout.
   */
  readonly predatesPolicy: boolean;
}

export interface PortStatus extends PortTimeout {
  readonly flows: readonly FlowStatus[];
  /** Connections with sockets but no conntrack entry (undefined: the socket table was not read). */
  readonly untracked: readonly string[] | undefined;
}

export interface FirewallStatus {
  readonly installed: boolean;
  readonly ports: readonly PortStatus[];
}

/** What idlereap installed and the flows it matches; read failures are IDLEREAP_ERR_FIREWALL_READ. */
export function firewallStatus(opts: FirewallOptions = {}): FirewallStatus {
  const tools = new Tools(opts.netnsPath, opts.tools);
  tools.check();
  const table = readTable(tools);
  if (table === undefined) return { installed: false, ports: [] };
  const ns = netnsAt(opts.netnsPath);
  const ports = table.map((p) => {
    const flows = listFlows(tools, p.port);
    const limit = (f: Flow) =>
      f.state === "ESTABLISHED" ? p.established : f.state === "CLOSE_WAIT" ? p.closeWait : Infinity;
    return {
      ...p,
      flows: flows.map((f) => ({ ...f, predatesPolicy: f.timeout > limit(f) })),
      untracked: untrackedConnections(ns, p.port, flows),
    };
  });
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
