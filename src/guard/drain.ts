// Graceful shutdown: stop accepting, retire every connection (idle ones close now, in-flight HTTP
// ends with Connection: close, HTTP/2 gets GOAWAY, WebSockets get 1001), destroy what is left at
// the end of the grace period.
import type { Server as NetServer } from "node:net";
import { retireConnection } from "./conn-close.js";
import { R_DRAIN } from "./conn-state.js";
import type { GuardContext } from "./guard-context.js";
import type { ServerPlan } from "./server-kind.js";
import { nowMs } from "./timer-wheel.js";

export interface DrainOptions {
  /** How long in-flight work may take before what is left is destroyed. Default 10s. */
  grace?: string | number;
}

export interface DrainResult {
  /** Connections that closed by themselves within the grace period. */
  closed: number;
  /** Connections destroyed at the end of the grace period. */
  destroyed: number;
}

/** Stops the listening server; errors (already closed) do not matter here. */
export function stopAccepting(plan: ServerPlan): void {
  const server: NetServer | null = plan.server;
  if (server === null || !server.listening) return;
  server.close(() => {});
}

export function retireAll(g: GuardContext): number {
  const all = g.conns.toArray();
  const now = nowMs();
  for (const s of all) retireConnection(g, s, R_DRAIN, now);
  return all.length;
}

/** Resolves once no connection is left, or destroys the rest after `graceMs` and then resolves. */
export function waitForEmpty(g: GuardContext, graceMs: number, started: number): Promise<DrainResult> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      g.sweep();
      return g.conns.size === 0;
    };
    let destroyed = 0;
    let done = false;
    const poll = setInterval(
      () => {
        if (check()) finish();
      },
      Math.max(5, Math.min(50, g.wheel.tickMs)),
    );
    const timer = setTimeout(() => {
      for (const s of g.conns.toArray()) {
        destroyed++;
        s.socket.destroy();
      }
      setImmediate(finish);
    }, graceMs);
    function finish(): void {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ closed: started - destroyed, destroyed });
    }
    if (check()) finish();
  });
}
