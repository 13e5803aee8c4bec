// Serves the registry at /metrics and the daemon's health at /healthz over plain HTTP on one address
// (127.0.0.1 by default), with a connection cap and short timeouts: idle or slow clients must never
// hold the descriptors that the daemon's scans need.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Registry } from "prom-client";
import { IdlereapError } from "../errors.js";

/** What /healthz answers: 200 with `reason` when `ok`, 503 with it otherwise. */
export interface HealthState {
  ok: boolean;
  reason: string;
}

export interface MetricsServerOptions {
  /** Connections open at once; further ones are closed as soon as they are accepted. Default 64. */
  maxConnections?: number;
  /** Answers /healthz; without it /healthz answers 200 as long as the process serves requests. */
  health?: () => HealthState;
}

export const METRICS_DEFAULT_MAX_CONNECTIONS = 64;

/**
 * Timeouts in ms. A scraper sends its request at once and Prometheus reuses its connection every
 * scrape interval, so a few seconds are plenty; Node's own defaults (headers 60 s, request 300 s,
 * checked every 30 s) let slowloris clients keep a descriptor for half a minute or more, and Node
 * 20 applies its headers timeout only once a request line has been parsed: a client that connects
 * and sends nothing (or half a request line) is ended by the sweep below instead.
 */
export const METRICS_TIMEOUTS_MS = Object.freeze({
  /** From the connection's start, or the end of its previous response, to the end of the request headers. */
  headers: 3000,
  /** From the connection's start to the end of the request. */
  request: 5000,
  /** Idle time between requests on a kept-alive connection. */
  keepAlive: 5000,
  /** Any socket without traffic for this long is destroyed (a client that stops reading). */
  idle: 10_000,
  /** How often the server looks for connections past their deadline. */
  check: 1000,
});

const kDeadline = Symbol("idlereap.metrics.deadline");
const kOpen = Symbol("idlereap.metrics.open");
/** A connection with its deadline and the set of open connections it belongs to. */
type Tracked = Socket & { [kDeadline]: number; [kOpen]: Set<Tracked> };

export interface MetricsServer {
  /** "host:port" actually bound (the port is chosen by the kernel when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(listen);
  if (!m || Number(m[2]) > 65535) {
    throw new IdlereapError("IDLEREAP_ERR_METRICS_LISTEN", `metrics.listen: "${listen}" is not address:port`);
  }
  return { host: m[1] as string, port: Number(m[2]) };
}

export async function startMetricsServer(
  registry: Registry,
  listen: string,
  options: MetricsServerOptions = {},
): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer(
    { connectionsCheckingInterval: METRICS_TIMEOUTS_MS.check },
    (req, res) => answer(req, res, registry, options.health),
  );
  server.maxConnections = options.maxConnections ?? METRICS_DEFAULT_MAX_CONNECTIONS;
  server.headersTimeout = METRICS_TIMEOUTS_MS.headers;
  server.requestTimeout = METRICS_TIMEOUTS_MS.request;
  server.keepAliveTimeout = METRICS_TIMEOUTS_MS.keepAlive;
  server.timeout = METRICS_TIMEOUTS_MS.idle;
  const sweeper = sweepUnanswered(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => {
      clearInterval(sweeper);
      reject(
        new IdlereapError(
          "IDLEREAP_ERR_METRICS_LISTEN",
          `metrics: cannot listen on ${listen}: ${err.message}`,
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address =
    bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Gives every connection `headers` ms to deliver its request headers (from its start, or from the end
 * of its previous response), checked by one coarse timer rather than a timer per connection.
 */
function sweepUnanswered(server: Server): NodeJS.Timeout {
  const open = new Set<Tracked>();
  server.on("connection", (socket: Socket) => {
    const tracked = socket as Tracked;
    tracked[kOpen] = open;
    arm(tracked, 0);
    open.add(tracked);
    socket.once("close", socketOnClose);
  });
  server.on("request", serverOnRequest);
  const timer = setInterval(() => {
    const now = Date.now();
    for (const socket of open) if (socket[kDeadline] < now) socket.destroy();
  }, METRICS_TIMEOUTS_MS.check);
  timer.unref();
  return timer;
}

function arm(socket: Tracked, extraMs: number): void {
  socket[kDeadline] = Date.now() + extraMs + METRICS_TIMEOUTS_MS.headers;
}

function socketOnClose(this: Tracked): void {
  this[kOpen].delete(this);
}

function serverOnRequest(req: IncomingMessage, res: ServerResponse): void {
  (req.socket as Tracked)[kDeadline] = Number.POSITIVE_INFINITY;
  res.once("finish", responseOnFinish);
}

/** Node ends a kept-alive connection after keepAlive ms; a request begun just before has headers ms. */
function responseOnFinish(this: ServerResponse): void {
  if (this.socket) arm(this.socket as Tracked, METRICS_TIMEOUTS_MS.keepAlive);
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  health: (() => HealthState) | undefined,
): void {
  const path = (req.url ?? "").split("?")[0];
  if (req.method !== "GET" || (path !== "/metrics" && path !== "/" && path !== "/healthz")) {
    res.writeHead(404).end("not found\n");
    return;
  }
  if (path === "/") {
    res
      .writeHead(200, { "content-type": "text/plain" })
      .end("idlereap: metrics at /metrics, health at /healthz\n");
    return;
  }
  if (path === "/healthz") {
    const state = health ? health() : { ok: true, reason: "serving" };
    res.writeHead(state.ok ? 200 : 503, { "content-type": "text/plain" }).end(`${state.reason}\n`);
    return;
  }
  registry.metrics().then(
    (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
    (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
  );
}
