// How a connection is ended for each reason and kind: FIN then destroy after a linger (or RST when
// asked), WebSocket close codes, HTTP/2 GOAWAY, and retiring HTTP connections that are mid-request.
import type { Http2Session } from "node:http2";
import type { WebSocket } from "ws";
import {
  type ConnState,
  F_CLOSING,
  F_RETIRING,
  KIND_HTTP,
  KIND_HTTP2,
  KIND_MASK,
  KIND_WEBSOCKET,
  R_EVICTED,
  R_HALF_CLOSE,
  R_HEARTBEAT,
  R_IDLE,
} from "./conn-state.js";
import type { GuardContext } from "./guard-context.js";

/** WebSocket close codes: 1000 for an idle close, 1001 (going away) for max age and drain. */
const WS_NORMAL = 1000;
const WS_GOING_AWAY = 1001;
const WS_REASON_TEXT = ["idle timeout", "max age", "half-closed", "", "", "", "server shutting down"];

interface OutgoingLike {
  headersSent: boolean;
  shouldKeepAlive: boolean;
}

/** The HTTP/1 response being written on this socket, if any. */
function currentResponse(s: ConnState): OutgoingLike | null {
  return (s.socket as unknown as { _httpMessage?: OutgoingLike | null })._httpMessage ?? null;
}

/** True while a request is in flight: the idle timeout never cuts it. */
export function isBusy(s: ConnState): boolean {
  const kind = s.flags & KIND_MASK;
  if (kind === KIND_HTTP) return currentResponse(s) !== null;
  if (kind === KIND_HTTP2) return s.streams > 0;
  return false;
}

function markClosing(g: GuardContext, s: ConnState, flag: number): void {
  if ((s.flags & (F_CLOSING | F_RETIRING)) === 0) g.closing++;
  s.flags |= flag;
}

/** Starts closing a connection now; the wheel destroys it after `linger` if the peer lingers. */
export function closeConnection(g: GuardContext, s: ConnState, reason: number, now: number): void {
  if (s.flags & F_CLOSING) return;
  markClosing(g, s, F_CLOSING);
  if (s.reason < 0) g.record(s, reason, now);
  const kind = s.flags & KIND_MASK;
  if (kind === KIND_WEBSOCKET && s.app !== null) {
    const ws = s.app as WebSocket;
    if (reason === R_HEARTBEAT || reason === R_EVICTED) ws.terminate();
    else ws.close(reason === R_IDLE ? WS_NORMAL : WS_GOING_AWAY, WS_REASON_TEXT[reason]);
  } else if (kind === KIND_HTTP2 && s.app !== null && reason !== R_EVICTED) {
    (s.app as Http2Session).close();
  } else if (reason === R_EVICTED) {
    s.socket.destroy();
  } else if (g.opts.reset && (reason === R_IDLE || reason === R_HALF_CLOSE)) {
    // After the application's end(), Node 20's resetAndDestroy() fails (EINVAL) while the shutdown
    // is pending and then never closes the handle: a plain destroy is the safe close there.
    if (s.socket.writableEnded) s.socket.destroy();
    else s.socket.resetAndDestroy();
  } else {
    s.socket.end();
  }
  // Destroyed now (RST, eviction, terminate) or given `linger` to close by itself.
  if (s.socket.destroyed) g.forget(s);
  else g.wheel.schedule(s, now + g.opts.linger);
}

/**
 * Ends a connection at max age or drain without cutting in-flight work: an HTTP/1 connection
 * mid-request answers with `Connection: close` and ends after; HTTP/2 sends GOAWAY.
 */
export function retireConnection(g: GuardContext, s: ConnState, reason: number, now: number): void {
  if (s.flags & (F_CLOSING | F_RETIRING)) return;
  const kind = s.flags & KIND_MASK;
  if (kind === KIND_HTTP && isBusy(s)) {
    markClosing(g, s, F_RETIRING);
    g.retiringHttp(1);
    g.record(s, reason, now);
    const res = currentResponse(s);
    if (res !== null && !res.headersSent) res.shouldKeepAlive = false;
    g.wheel.schedule(s, now + g.checkEvery);
    return;
  }
  if (kind === KIND_HTTP2 && s.app !== null && s.streams > 0) {
    markClosing(g, s, F_RETIRING);
    g.record(s, reason, now);
    (s.app as Http2Session).close();
    g.wheel.schedule(s, now + g.checkEvery);
    return;
  }
  closeConnection(g, s, reason, now);
}
