// Two throwaway network namespaces joined by a veth pair, for tests of peers that die: the "far"
// side can be cut off by taking its link down or by an nft drop inside its own namespace, so the
// near side sees a peer that stops answering, as after a power loss or a forgotten NAT entry.
import { createNetns, destroyNetns, type TestNetns } from "./netns.js";

export interface VethPair {
  readonly near: TestNetns;
  readonly far: TestNetns;
  readonly nearAddress: string;
  readonly farAddress: string;
}

let counter = 0;

/** Runs `fn` with two namespaces joined by a veth pair (10.231.0.1/30 near, .2 far), then deletes both. */
export async function withVethPair<R>(fn: (pair: VethPair) => Promise<R>): Promise<R> {
  const near = createNetns("irt-near");
  const far = createNetns("irt-far");
  const link = `irv${process.pid % 100000}x${++counter}`;
  try {
    near.exec("ip", ["link", "add", `${link}a`, "type", "veth", "peer", "name", `${link}b`]);
    near.exec("ip", ["link", "set", `${link}b`, "netns", far.name]);
    near.exec("ip", ["addr", "add", "10.231.0.1/30", "dev", `${link}a`]);
    far.exec("ip", ["addr", "add", "10.231.0.2/30", "dev", `${link}b`]);
    near.exec("ip", ["link", "set", `${link}a`, "up"]);
    far.exec("ip", ["link", "set", `${link}b`, "up"]);
    return await fn({ near, far, nearAddress: "10.231.0.1", farAddress: "10.231.0.2" });
  } finally {
    await destroyNetns(far);
    await destroyNetns(near);
  }
}

/** Drops every TCP segment to and from `ports` inside `ns`: its side of those connections goes silent. */
export function blackholePorts(ns: TestNetns, ports: readonly number[]): void {
  const set = `{ ${ports.join(", ")} }`;
  ns.exec("nft", ["add", "table", "inet", "irt_blackhole"]);
  ns.exec("nft", ["add", "chain", "inet", "irt_blackhole", "in", "{ type filter hook input priority 0 ; }"]);
  ns.exec("nft", [
    "add",
    "chain",
    "inet",
    "irt_blackhole",
    "out",
    "{ type filter hook output priority 0 ; }",
  ]);
  ns.exec("nft", ["add", "rule", "inet", "irt_blackhole", "in", "tcp", "dport", set, "drop"]);
  ns.exec("nft", ["add", "rule", "inet", "irt_blackhole", "out", "tcp", "sport", set, "drop"]);
}
