// Small helpers for the guard tests: listen on loopback, connect, and bounded waits.
import { once } from "node:events";
import net from "node:net";

/**
 * Listens on loopback; unref'd so that a failed test cannot keep the process alive (clients stay
 * ref'd: a test awaiting their I/O needs the loop to wait too; tests destroy them in `finally`).
 */
export async function listen<S extends net.Server>(server: S): Promise<number> {
  server.listen(0, "127.0.0.1");
  server.unref();
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

export async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ port, host: "127.0.0.1" });
  s.on("error", () => {});
  await once(s, "connect");
  return s;
}

export interface ClientEnd {
  /** Milliseconds from `since` to the peer's FIN ('end') or a reset, whichever came first. */
  ms: number;
  how: "fin" | "reset";
}

/** Resolves when the server ends or resets the client socket, or rejects after `limitMs`. */
export function serverClosed(sock: net.Socket, since: number, limitMs = 5000): Promise<ClientEnd> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${limitMs}ms`)), limitMs);
    const done = (how: ClientEnd["how"]) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - since, how });
    };
    sock.once("end", () => done("fin"));
    sock.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNRESET") done("reset");
    });
    sock.resume();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 5ms for at most `limitMs`. */
export async function waitFor(cond: () => boolean, limitMs = 3000, what = "condition"): Promise<void> {
  const end = performance.now() + limitMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`${what} not met within ${limitMs}ms`);
    await sleep(5);
  }
}

export async function closeServer(server: net.Server): Promise<void> {
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((r) => server.close(() => r()));
}

/**
 * Runs `fn` and returns the process warnings it emitted, without Node printing them: the default
 * printer is taken off 'warning' meanwhile, so an expected warning stays out of the test log.
 */
export async function captureWarnings(fn: () => void): Promise<Error[]> {
  const printers = process.listeners("warning");
  process.removeAllListeners("warning");
  const seen: Error[] = [];
  const onWarning = (w: Error) => seen.push(w);
  process.on("warning", onWarning);
  try {
    fn();
    // process.emitWarning emits on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
    for (const p of printers) process.on("warning", p);
  }
  return seen;
}
