// HTTP glue: Node's own HTTP timeouts made to agree with guard, the `Keep-Alive: timeout=N` hint,
// `Connection: close` on responses of retiring connections, and HTTP/2 sessions and streams counted
// so the idle timeout spares them.
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Http2Session, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import { type ConnState, F_RETIRING, KIND_HTTP2, KIND_MASK, kState, stateOf } from "./conn-state.js";
import type { ResolvedGuardOptions } from "./options.js";

/**
 * Guard owns the idle time between requests, so Node's keepAliveTimeout (a timer per socket, 5s by
 * default) is turned off when idleTimeout is on; guard announces its own hint (announceKeepAlive).
 * headersTimeout and requestTimeout still bound a request in flight, which the idle timeout never
 * cuts; headersTimeout is kept <= requestTimeout.
 */
export function coordinateHttpTimeouts(server: HttpServer, opts: ResolvedGuardOptions): void {
  if (opts.idleTimeout > 0) server.keepAliveTimeout = 0;
  const { headersTimeout, requestTimeout } = server;
  if (requestTimeout > 0 && headersTimeout > requestTimeout) server.headersTimeout = requestTimeout;
}

/**
 * How much earlier than guard's idle close a client honouring the hint stops reusing the
 * connection: covers a round trip of up to a second and a client that retires exactly at the hint.
 */
export const HINT_MARGIN_MS = 1000;

/**
 * The value for a response's `_keepAliveTimeout`, from which Node writes `Keep-Alive:
 * timeout=floor(ms / 1000)` on keep-alive responses: the whole seconds that end at least
 * HINT_MARGIN_MS before the idle close. Under 1s of room it is 1 ms, which Node writes as
 * `timeout=0`: clients that honour the hint (Node's Agent, undici) then do not reuse the connection.
 */
export function keepAliveHintMs(idleMs: number): number {
  const seconds = Math.floor((idleMs - HINT_MARGIN_MS) / 1000);
  return seconds >= 1 ? seconds * 1000 : 1;
}

/**
 * Makes every response of `server` announce the hint for `source.idleMs`; returns the function that
 * undoes it. A 'request' listener sets `res._keepAliveTimeout`, which Node copied from
 * keepAliveTimeout (0 under guard) and reads when the headers go out. It costs about 1.5% of a
 * request's CPU time; a ServerResponse subclass answering the property from its prototype, tried
 * instead, cost about 14% (bench: guarded with and without the hint, side by side).
 */
export function announceKeepAlive(server: HttpServer, source: { readonly idleMs: number }): () => void {
  const onRequest = (_req: IncomingMessage, res: ServerResponse): void => {
    (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = keepAliveHintMs(source.idleMs);
  };
  server.prependListener("request", onRequest);
  return () => server.off("request", onRequest);
}

/** 'request' listener, first in line: a retiring connection's next response says Connection: close. */
export function serverOnRequest(req: IncomingMessage, res: ServerResponse): void {
  const s = stateOf(req.socket);
  if (s !== undefined && s.flags & F_RETIRING) res.shouldKeepAlive = false;
}

/** 'session' listener of HTTP/2 servers: links the session to the state of its socket. */
export function serverOnSession(session: Http2Session): void {
  let s: ConnState | undefined;
  try {
    s = stateOf(session.socket as Socket);
  } catch {
    return;
  }
  if (s === undefined) return;
  (session as unknown as { [kState]: ConnState })[kState] = s;
  s.flags = (s.flags & ~KIND_MASK) | KIND_HTTP2;
  s.app = session;
}

/** 'stream' listener of HTTP/2 servers: a stream open keeps its session out of the idle timeout. */
export function serverOnStream(stream: ServerHttp2Stream): void {
  const s = stateOf(stream.session);
  if (s === undefined) return;
  s.streams++;
  (stream as unknown as { [kState]: ConnState })[kState] = s;
  stream.once("close", streamOnClose);
}

function streamOnClose(this: ServerHttp2Stream): void {
  const s = stateOf(this);
  if (s !== undefined) s.streams--;
}
