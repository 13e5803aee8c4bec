// Which server guard was given, and where its connections come from: net, TLS, HTTP/1, HTTP/2 or
// a ws WebSocketServer (with or without an HTTP server of its own).
import { Server as HttpServer } from "node:http";
import { Server as HttpsServer } from "node:https";
import { Server as NetServer } from "node:net";
import { Server as TlsServer } from "node:tls";
import type { WebSocketServer } from "ws";
import { IdlereapError } from "../errors.js";
import { KIND_HTTP, KIND_NET } from "./conn-state.js";

export interface ServerPlan {
  /** The listening server whose connections guard tracks; null for a ws server in noServer mode. */
  readonly server: NetServer | null;
  /** Connections are TLS: they are tracked from 'secureConnection', not 'connection'. */
  readonly tls: boolean;
  readonly http: boolean;
  readonly http2: boolean;
  readonly wss: WebSocketServer | null;
  /** The kind new connections start as. */
  readonly kind: number;
}

/** What guard() accepts. */
export type GuardableServer = NetServer | WebSocketServer;

function isWebSocketServer(x: unknown): x is WebSocketServer {
  const w = x as { handleUpgrade?: unknown; shouldHandle?: unknown } | null;
  return typeof w?.handleUpgrade === "function" && typeof w.shouldHandle === "function";
}

function isHttp2Server(server: NetServer): boolean {
  const name = server.constructor?.name;
  return name === "Http2Server" || name === "Http2SecureServer";
}

function planFor(server: NetServer, wss: WebSocketServer | null): ServerPlan {
  const http2 = isHttp2Server(server);
  const http = http2 || server instanceof HttpServer || server instanceof HttpsServer;
  const tls = server instanceof TlsServer;
  return { server, tls, http, http2, wss, kind: http ? KIND_HTTP : KIND_NET };
}

export function describeServer(server: unknown): ServerPlan {
  if (isWebSocketServer(server)) {
    const inner = (server as unknown as { _server?: NetServer | null })._server ?? null;
    if (inner === null)
      return { server: null, tls: false, http: true, http2: false, wss: server, kind: KIND_HTTP };
    return planFor(inner, server);
  }
  if (server instanceof NetServer) return planFor(server, null);
  throw new IdlereapError(
    "IDLEREAP_ERR_GUARD_SERVER",
    "guard(): expected a net, http, https or http2 server or a ws WebSocketServer",
  );
}
