// The nftables table idlereap owns (`inet idlereap`): one `ct timeout` object per port and family,
// set on new flows in prerouting (incoming) and output (local) at filter priority, after conntrack
// has created the entry and before it is confirmed.
export const TABLE_FAMILY = "inet";
export const TABLE_NAME = "idlereap";

export interface PortTimeout {
  readonly port: number;
  /** Seconds an idle established flow is kept. */
  readonly established: number;
  /** Seconds a flow in CLOSE_WAIT is kept. */
  readonly closeWait: number;
}

function objectName(port: number, v6: boolean): string {
  return `port-${port}${v6 ? "-v6" : ""}`;
}

/** The table's body for the given ports (sorted, one object per family). */
export function renderTable(ports: readonly PortTimeout[]): string {
  const sorted = [...ports].sort((a, b) => a.port - b.port);
  const lines = [`table ${TABLE_FAMILY} ${TABLE_NAME} {`];
  for (const p of sorted) {
    for (const v6 of [false, true]) {
      lines.push(
        `\tct timeout ${objectName(p.port, v6)} { protocol tcp; l3proto ${v6 ? "ip6" : "ip"}; policy = { established: ${p.established}, close_wait: ${p.closeWait} }; }`,
      );
    }
  }
  for (const [chain, hook] of [
    ["pre", "prerouting"],
    ["out", "output"],
  ] as const) {
    lines.push(`\tchain ${chain} {`, `\t\ttype filter hook ${hook} priority filter; policy accept;`);
    for (const p of sorted) {
      lines.push(`\t\tmeta nfproto ipv4 tcp dport ${p.port} ct timeout set "${objectName(p.port, false)}"`);
      lines.push(`\t\tmeta nfproto ipv6 tcp dport ${p.port} ct timeout set "${objectName(p.port, true)}"`);
    }
    lines.push("\t}");
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** A script that replaces idlereap's table in one transaction (other tables are never named). */
export function replaceScript(ports: readonly PortTimeout[]): string {
  const head = `table ${TABLE_FAMILY} ${TABLE_NAME}\ndelete table ${TABLE_FAMILY} ${TABLE_NAME}\n`;
  return ports.length === 0 ? head : head + renderTable(ports);
}

/** Reads the ports idlereap installed from `nft -j list table inet idlereap`. */
export function parseTableJson(json: string): PortTimeout[] {
  const data = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
  const out: PortTimeout[] = [];
  for (const item of data.nftables ?? []) {
    const obj = item["ct timeout"] as
      | { name?: string; table?: string; policy?: Record<string, number> }
      | undefined;
    if (!obj || obj.table !== TABLE_NAME) continue;
    const m = /^port-(\d+)$/.exec(obj.name ?? "");
    if (!m) continue;
    out.push({
      port: Number(m[1]),
      established: obj.policy?.established ?? 432_000,
      closeWait: obj.policy?.close_wait ?? 60,
    });
  }
  return out.sort((a, b) => a.port - b.port);
}
