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
 * Data and FIN keep their order (timers of one duration fire in the order they were set); a side
 * that closes passes its close on. Closes go on as destroy(), never resetAndDestroy(): in Node 20
 * that call can fail (EINVAL while an end() is pending) and then never closes its handle, which
 * later corrupts the heap; a request cut by the server's close still fails with "socket hang up".
 */
function pipeLate(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on("data", (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on("end", () => setTimeout(() => to.end(), delayMs));
  from.on("error", () => {});
  from.on("close", () => setTimeout(() => to.destroy(), delayMs));
}
