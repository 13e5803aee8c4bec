// What a conntrack timeout really reaches. A `ct timeout` policy attaches to a flow only when
// conntrack creates its entry; measured on Linux 6.18 with nft 1.0.6:
// - an entry that existed before the table keeps the default policy: `conntrack -U --timeout`
//   shortens what is left, and the flow's next packet restores the default (432000 s);
// - a connection conntrack does not track (conntrack was not enabled in the namespace when it
//   opened) has no entry at all: its next packet creates one mid-stream, with the port's policy.
import type { NetnsRef } from "../kernel/netns.js";
import { inNetns } from "../kernel/netns.js";
import { readSysctlValue } from "../proc/sysctl.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";
import type { Flow } from "./conntrack.js";

const CONNECTED = ["established", "close-wait"];

/** The namespace a firewall command targets, for in-process reads (sysctls, sock_diag). */
export function netnsAt(path: string | undefined): NetnsRef {
  return path === undefined ? { name: "this", path: null, inode: 0 } : { name: path, path, inode: 0 };
}

/** The timeout a flow falls back to on its next packet when no policy is attached, or undefined. */
export function defaultEstablishedTimeout(ns: NetnsRef): number | undefined {
  const v = inNetns(ns, () => readSysctlValue("net.netfilter.nf_conntrack_tcp_timeout_established"));
  return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v);
}

const unmap = (a: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a);
const key = (src: string, sport: number, dst: string, dport: number) =>
  `${unmap(src)}:${sport} -> ${unmap(dst)}:${dport}`;

export function flowKey(f: Flow): string {
  return key(f.src, f.sport, f.dst, f.dport);
}

/**
 * Connections to `port` (client -> server, as conntrack names them) that have TCP sockets in the
 * namespace but no conntrack entry among `flows`; undefined when the socket table cannot be read.
 */
export function untrackedConnections(
  ns: NetnsRef,
  port: number,
  flows: readonly Flow[],
): string[] | undefined {
  const tracked = new Set(flows.map(flowKey));
  const seen = new Set<string>();
  try {
    const filter = compileFilter({ states: CONNECTED, ports: [port] });
    const [result] = scanNamespaces([ns], { filter, info: false }, (v) => {
      if (v.localPort === port) seen.add(key(v.remoteAddress, v.remotePort, v.localAddress, port));
      if (v.remotePort === port) seen.add(key(v.localAddress, v.localPort, v.remoteAddress, port));
    });
    if (result?.error) return undefined;
  } catch {
    return undefined;
  }
  return [...seen].filter((k) => !tracked.has(k)).sort();
}
