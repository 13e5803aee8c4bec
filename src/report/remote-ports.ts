// Ephemeral local ports in use per remote endpoint: a 4-tuple needs a free local port per remote
// address and port, so the busiest endpoint is what runs out first. Counted straight from the
// kernel's replies, without formatting an address per socket.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { STATE } from "../kernel/structs.js";

export class RemotePortCounter {
  private readonly counts = new Map<number | string, number>();
  private readonly names = new Map<number | string, string>();
  private readonly range: readonly [number, number];

  constructor(range: readonly [number, number]) {
    this.range = range;
  }

  add(v: DiagMessageView): void {
    const p = v.localPort;
    if (v.stateNumber === STATE.LISTEN || p < this.range[0] || p > this.range[1]) return;
    // An IPv4 endpoint is one number, an IPv6 one its bytes in hex; text is made once per endpoint.
    const at = v.remoteAddressOffset;
    const key =
      v.family === 4
        ? v.buf.readUInt32BE(at) * 65536 + v.remotePort
        : `${v.buf.toString("hex", at, at + 16)}|${v.remotePort}`;
    const n = this.counts.get(key);
    if (n !== undefined) this.counts.set(key, n + 1);
    else {
      this.counts.set(key, 1);
      this.names.set(key, `${v.remoteAddress}|${v.remotePort}`);
    }
  }

  /** The endpoint with the most ephemeral ports towards it ("address|port"), and how many. */
  busiest(): { remote: string; count: number } | undefined {
    let best: { key: number | string; count: number } | undefined;
    for (const [key, count] of this.counts) if (!best || count > best.count) best = { key, count };
    return best && { remote: this.names.get(best.key) ?? "?", count: best.count };
  }
}
