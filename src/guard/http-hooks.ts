// HTTP glue: Node's own HTTP timeouts made to agree with guard, `Connection: close` on responses of
// retiring connections, and HTTP/2 sessions and streams counted so the idle timeout spares them.
import type { Server as HttpServer, IncomingMessage, ServerResponse } from "node:http";
import type { Http2Session, ServerHttp2Stream } from "node:http2";
import type { Socket } from "node:net";
import { type ConnState, F_RETIRING, KIND_HTTP2, KIND_MASK, kState, stateOf } from "./conn-state.js";
import type { ResolvedGuardOptions } from "./options.js";

/**
 * Guard owns the idle time between requests, so Node's keepAliveTimeout (a timer per socket, 5s by
 * default) is turned off when idleTimeout is on. headersTimeout and requestTimeout still bound a
 * request in flight, which the idle timeout never cuts; headersTimeout is kept <= requestTimeout.
 */
export function coordinateHttpTimeouts(server: HttpServer, opts: ResolvedGuardOptions): void {
  if (opts.idleTimeout > 0) server.keepAliveTimeout = 0;
  const { headersTimeout, requestTimeout } = server;
  if (requestTimeout > 0 && headersTimeout > requestTimeout) server.headersTimeout = requestTimeout;
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
