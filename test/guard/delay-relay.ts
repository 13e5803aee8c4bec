// A TCP relay on loopback that delays every chunk, FIN and reset by a fixed time in each direction:
// a link with a round trip, so that races between a client's next request and a server's close show.
import { once } from "node:events";
import net from "node:net";

export interface DelayRelay {
  readonly port: number;
  close(): Promise<void>;
}

/** Accepts on a loopback port and relays to `targetPort`, `delayMs` late each way. */
export async function startDelayRelay(targetPort: number, delayMs: number): Promise<DelayRelay> {
  const pairs = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect({ port: targetPort, host: "127.0.0.1" });
    pairs.add(down).add(up);
    pipeLate(down, up, delayMs);
    pipeLate(up, down, delayMs);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const s of pairs) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Data and FIN keep their order (timers of one duration fire in the order they were set); an error
 * or a close without FIN reaches the other side as a reset, as it would on a real link, unless that
 * side was already ended: Node 20's resetAndDestroy() after end() fails while the shutdown is
 * pending (EINVAL) and leaves the handle open, which later corrupts the heap.
 */
function pipeLate(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on("data", (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on("end", () => setTimeout(() => to.end(), delayMs));
  from.on("error", () => {});
  from.on("close", (hadError) => {
    setTimeout(() => {
      if (to.destroyed) return;
      if ((hadError || !from.readableEnded) && !to.writableEnded) to.resetAndDestroy();
      else if (to.writableEnded) to.destroy();
    }, delayMs);
  });
}
