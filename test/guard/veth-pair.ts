// Two throwaway network namespaces joined by a veth pair, for dead-peer tests over a real link: the
// link is created inside the namespaces (no name in the host's), addresses come from a private /30
// that exists only there, and a peer is blackholed with an nft drop in its own namespace.
import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";
import { createNetns, destroyNetns, type TestNetns } from "../helpers/netns.js";

export interface VethPair {
  /** Namespace of the server under test. */
  readonly server: TestNetns;
  /** Namespace of its peer, the one that will go silent. */
  readonly client: TestNetns;
  readonly serverAddress: string;
  readonly clientAddress: string;
}

const NET = { server: "10.213.47.1", client: "10.213.47.2", prefix: 30 };

/** Runs `fn` with a fresh pair of namespaces and a veth link between them; always deletes both. */
export async function withVethPair<R>(fn: (pair: VethPair) => Promise<R>): Promise<R> {
  const server = createNetns("irgs");
  let client: TestNetns | null = null;
  try {
    client = createNetns("irgc");
    const ip = (ns: TestNetns, args: string[]) => execFileSync("ip", ["-n", ns.name, ...args]);
    ip(server, ["link", "add", "irg0", "type", "veth", "peer", "name", "irg1", "netns", client.name]);
    ip(server, ["addr", "add", `${NET.server}/${NET.prefix}`, "dev", "irg0"]);
    ip(client, ["addr", "add", `${NET.client}/${NET.prefix}`, "dev", "irg1"]);
    ip(server, ["link", "set", "irg0", "up"]);
    ip(client, ["link", "set", "irg1", "up"]);
    return await fn({ server, client, serverAddress: NET.server, clientAddress: NET.client });
  } finally {
    // Deleting a namespace deletes its end of the veth, and with it the other end.
    if (client !== null) await destroyNetns(client);
    await destroyNetns(server);
  }
}

/** Makes `ns` drop every packet to and from `address`, in one nft transaction: no RST, no ICMP. */
export function blackholePeer(ns: TestNetns, address: string): void {
  const ruleset = [
    "table inet irg_blackhole {",
    `  chain in { type filter hook input priority 0; policy accept; ip saddr ${address} drop; }`,
    `  chain out { type filter hook output priority 0; policy accept; ip daddr ${address} drop; }`,
    "}",
  ].join("\n");
  execFileSync("ip", ["netns", "exec", ns.name, "nft", "-f", "-"], { input: ruleset });
}

let nftProblem: string | null | undefined;

/** Skips the test when nft is missing (fails instead under IDLEREAP_REQUIRE_PRIVILEGED=1). */
export function needsNft(t: TestContext): boolean {
  if (nftProblem === undefined) {
    try {
      execFileSync("nft", ["--version"], { stdio: "ignore" });
      nftProblem = null;
    } catch {
      nftProblem = "needs the `nft` tool (Debian package nftables) to blackhole a peer";
    }
  }
  if (nftProblem === null) return true;
  if (process.env.IDLEREAP_REQUIRE_PRIVILEGED === "1") {
    throw new Error(`IDLEREAP_REQUIRE_PRIVILEGED=1 but this test ${nftProblem}`);
  }
  t.skip(nftProblem);
  return false;
}
